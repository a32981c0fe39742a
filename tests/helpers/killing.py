"""SIGKILL rounds against real builds, aimed at each phase of a build and checked after
each kill: shared by the suite's kill test and ``benchmarks/kill.py`` (200 kills).

Each round starts ``build_worker.py`` switching the index between two corpora, waits
for the phase it aims at, kills the process a random moment later, and reads what the
worker printed to learn the phase the kill really landed in. Then the index must load,
pass every checksum and hold exactly the old corpus or exactly the new one.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qa import Retriever, Settings
from qa.errors import QAError

WORKER = Path(__file__).parent / "build_worker.py"
PHASES = ("embedding", "writing", "renamed", "switched")


@dataclass
class KillReport:
    landed: Counter = field(default_factory=Counter)  # phase -> kills that landed there
    finished: int = 0  # rounds that ran to the end on purpose
    damaged: int = 0  # the index did not load or failed a checksum
    mixed: int = 0  # the index held neither exactly the old nor exactly the new corpus
    problems: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [f"| {p} | {self.landed[p]} |" for p in PHASES]
        rows.append(f"| (finished, not killed) | {self.finished} |")
        return ("| phase the kill landed in | kills |\n|---|---|\n" + "\n".join(rows)
                + f"\n\ndamaged indexes: {self.damaged}, mixed indexes: {self.mixed}")


def _articles(settings: Settings, embedder) -> frozenset[str]:
    retriever = Retriever.load(settings=settings, embedder=embedder)  # checks every file
    snap = retriever.snapshot
    assert retriever.search("company news", k=3)
    return frozenset(snap.article_ids())


def kill_rounds(index: Path, corpora: tuple[Path, Path], expected: tuple[frozenset, frozenset],
                embedder, *, kills: int, pause: float = 0.15, finish_every: int = 8,
                seed: int = 1234) -> KillReport:
    """Builds alternating between ``corpora`` (whose article ids are ``expected``) until
    ``kills`` were killed, each aimed at the phases in turn; every ``finish_every``-th
    build runs to the end instead, so both outcomes occur."""
    rng = random.Random(seed)
    report = KillReport()
    settings = Settings(index_dir=index)
    i = 0
    while sum(report.landed.values()) < kills:
        i += 1
        current = _articles(settings, embedder)
        source = corpora[1] if current == expected[0] else corpora[0]
        proc = subprocess.Popen([sys.executable, str(WORKER), str(source), str(index),
                                 str(pause)], stdout=subprocess.PIPE, text=True)
        target = PHASES[sum(report.landed.values()) % len(PHASES)]
        seen: list[str] = []
        if i % finish_every == 0:
            out, _ = proc.communicate(timeout=120)
            report.finished += 1
            assert proc.returncode == 0, out
        else:
            for line in proc.stdout:  # type: ignore[union-attr]
                if line.startswith("phase "):
                    seen.append(line.split()[1])
                if seen and seen[-1] == target:
                    break
            # The worker pauses `pause` s in each phase; land somewhere inside it.
            time.sleep(rng.uniform(0.0, pause * 0.8))
            proc.send_signal(signal.SIGKILL)
            rest, _ = proc.communicate()
            seen += [ln.split()[1] for ln in rest.splitlines() if ln.startswith("phase ")]
            landed = seen[-1] if seen else "before"
            report.landed[landed] += 1
        try:
            after = _articles(settings, embedder)
        except (QAError, AssertionError) as exc:
            report.damaged += 1
            report.problems.append(f"round {i}: {exc}")
            continue
        if after not in expected:
            report.mixed += 1
            report.problems.append(f"round {i}: {len(after)} articles, neither corpus")
    return report

