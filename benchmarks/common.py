"""Small helpers shared by the benchmark phases: memory, percentiles, queries."""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

import numpy as np

#: The team's shared corpora sit beside the repository; a user's clone has none.
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA = SHARED / "bbc-news"
BBC = DATA / "news"
DEV_QUESTIONS = DATA / "dev-questions.jsonl"


def require(*paths: Path) -> None:
    """Stop with one line when shared data a benchmark needs is missing."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        sys.exit(f"{missing[0]} is missing: this benchmark reads the shared corpora "
                 "(../shared/data beside the repository); the test suite does not need them")


def rss_bytes() -> int:
    """Current resident set size of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def rss_split_bytes() -> dict:
    """Resident memory by kind: anonymous (heap: model, vectors, arrays) and file-backed
    (memory-mapped files such as keyword segments: page cache the kernel can drop)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("RssAnon:", "RssFile:")):
            out[line.split(":")[0].lower().replace("rss", "rss_") + "_bytes"] = (
                int(line.split()[1]) * 1024)
    return out


def peak_rss_bytes() -> int:
    """Highest resident set size this process has had (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def percentiles(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "mean_ms": float(ms.mean()), "n": len(ms)}


def dev_questions() -> list[dict]:
    return [json.loads(line) for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
