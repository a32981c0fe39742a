"""Cold start of the `qa` command: what a newcomer waits for, in fresh processes. Prints a
table.

    .venv/bin/python benchmarks/cold_start.py [--dir DIR] [--runs 5]

Indexes the sample corpus (corpus/ of the repository, copied into DIR; default a folder
under the temporary directory, reused by later runs) unless DIR holds an index, then
times fresh processes, the median of ``--runs`` each:

- `qa --help`;
- `qa ask "<sample question>"` with no server running (``QA_SERVER`` names a closed
  port): it imports the stack and loads the model and the index in process;
- the same question with a `qa serve` running (started on a free port for the purpose
  and asked once first, so the server is warm): the process only asks it over HTTP.

Wall time is what a user waits; CPU time (user + system of the child) says how much of
it is work rather than waiting for a busy machine. The load average is printed with the
table: on a loaded machine the wall times grow, the CPU times much less. The answers by
both paths are compared: they must print the same.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from common import loadavg  # noqa: E402

SAMPLE = ROOT / "corpus"
QUESTION = "When is the critical minerals ministerial?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore", **extra}


def _qa(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str, str]:
    """``(wall seconds, CPU seconds, stdout, stderr)`` of one fresh `qa` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"qa {' '.join(args)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout, done.stderr


def ensure_index(folder: Path) -> None:
    if (folder / "index" / "CURRENT").is_file():
        return
    if not (folder / "corpus").exists():
        shutil.copytree(SAMPLE, folder / "corpus")
    print(f"indexing the sample corpus into {folder}/index ...", file=sys.stderr)
    _qa(["index", "corpus", "-q"], folder, _env())


def serve(folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port)],
                            cwd=folder, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(1200):
        if proc.poll() is not None:
            raise SystemExit("qa serve exited")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("qa serve did not start")


def measure(label: str, args: list[str], folder: Path, env: dict[str, str], runs: int,
            outputs: dict[str, str]) -> tuple[str, float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, out, _err = _qa(args, folder, env)
        walls.append(wall)
        cpus.append(cpu)
        outputs[label] = out
    print(f"  {label}: {' '.join(f'{w:.2f}' for w in walls)} s", file=sys.stderr)
    return label, statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qa-cold-start")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    ensure_index(folder)
    load_before = loadavg()
    nobody = _env(QA_SERVER=f"http://127.0.0.1:{_free_port()}/")  # a closed port
    outputs: dict[str, str] = {}
    rows = [
        measure("`qa --help`", ["--help"], folder, nobody, args.runs, outputs),
        measure("`qa ask` with no server running (in process)", ["ask", QUESTION], folder,
                nobody, args.runs, outputs),
    ]
    proc, url = serve(folder)
    try:
        _qa(["ask", "warm the server up", "--server", url], folder, _env())
        rows.append(measure("`qa ask` with `qa serve` running (over HTTP)",
                            ["ask", QUESTION, "--server", url], folder, _env(), args.runs,
                            outputs))
    finally:
        proc.terminate()
        proc.wait(30)
    same = outputs["`qa ask` with no server running (in process)"] == outputs[
        "`qa ask` with `qa serve` running (over HTTP)"]
    print(f"\nCold start of `qa`, median of {args.runs} fresh processes each "
          f"({os.cpu_count()} cores, niceness {os.nice(0)}, load average {load_before} before, "
          f"{loadavg()} after)\n")
    print("| command | wall (s) | CPU (s) |\n|---|---|---|")
    for label, wall, cpu in rows:
        print(f"| {label} | {wall:.2f} | {cpu:.2f} |")
    print(f"\nThe answers printed by both `qa ask` paths are the same: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
