"""Near-duplicate scan on many short, similar records (issue 12 item 7).

Generates templated one-line news blurbs that differ by a word or a number - they share
many minhash buckets without being the same story, the case that made the old scan
quadratic (2k records 6.3 s, 5k 57 s, 10k unfinished) - plus some real near-copies, and
times ``qa.ingest.near_duplicates.near_duplicates`` on each size. Run:
``python benchmarks/near_dup.py
[sizes...]`` (default 2k 10k 100k). Target: 100k records in under 30 s.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.ingest.near_duplicates import MAX_COMPARISONS, near_duplicates  # noqa: E402

CITIES = ["Leeds", "Cardiff", "Derby", "York", "Bath", "Hull", "Perth", "Truro", "Ely", "Wells"]
EVENTS = ["a fire", "a crash", "a flood", "a storm", "a protest", "a strike"]
TEMPLATES = [
    "Police in {city} said {n} people were hurt in {event} on {day} evening near the station.",
    "Shares in {city} Holdings rose {n} pence on {day} after the company raised its forecast.",
    "The {city} council approved {n} new homes on {day} despite objections from residents.",
    "{n} flights from {city} were cancelled on {day} because of {event} at the airport.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def blurbs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` records; one in 50 is an earlier record with its last word changed."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for i in range(n):
        if i >= 50 and i % 50 == 0:
            earlier = out[rng.randrange(len(out))][1]
            out.append((f"r{i:06d}", earlier.rsplit(" ", 1)[0] + " today."))
            continue
        text = rng.choice(TEMPLATES).format(city=rng.choice(CITIES), n=rng.randint(1, 10**6),
                                           event=rng.choice(EVENTS), day=rng.choice(DAYS))
        out.append((f"r{i:06d}", text))
    return out


def main(sizes: list[int]) -> None:
    print(f"near_duplicates on templated short records (work cap {MAX_COMPARISONS:,} "
          "comparisons per call)")
    print(f"{'records':>8} {'seconds':>8} {'near-dups':>9} {'planted':>8} {'peak RSS MB':>12}")
    for n in sizes:
        records = blurbs(n)
        started = time.perf_counter()
        found = near_duplicates(records)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        planted = sum(1 for i in range(50, n, 50))
        print(f"{n:>8,} {seconds:>8.2f} {len(found):>9,} {planted:>8,} {peak:>12.0f}")
    print("peak RSS is the whole process's high-water mark so far (records included)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2_000, 10_000, 100_000])
