"""Speaker attribution of ``qa.news.quotes.find_quotes`` against hand-checked gold quotes.

Reads ``benchmarks/questions/quotes.jsonl``: one gold quote a line, ``article`` (a path
under ``tests/data/bbc-news/news/``, or the sample's file name under ``corpus/``),
``quote`` (a distinctive substring of the quoted or reported words, occurring once in
the article), ``speaker`` (written by hand from reading the article, before the
extractor existed), ``kind`` (direct or reported) and ``split`` (tune / report,
alternating in file order). Only in-repository files are read.

- **Recall**: a gold quote is recalled when some extracted quote's span contains the
  gold substring's span and its speaker ``matches`` the gold speaker.
- **Precision**: of the extracted quotes whose span overlaps a gold substring's span,
  the share whose speaker matches that gold speaker. Extracted quotes overlapping no
  gold quote are not judged (the gold set does not list every quote of an article).

Prints both figures for the tune half, the report half and all (with ``-v`` every miss
and wrong speaker of the tune half; tune on ``tune``, ``report`` is the held-out
figure), then the ingest cost of ``articledates`` and ``quotes`` per BBC article.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.news.article_dates import resolve  # noqa: E402
from qa.news.quotes import Quote, find_quotes  # noqa: E402

GOLD = ROOT / "benchmarks" / "questions" / "quotes.jsonl"
BBC = ROOT / "tests" / "data" / "bbc-news" / "news"
SAMPLE = ROOT / "corpus"


def article_path(name: str) -> Path:
    return BBC / name if (BBC / name).exists() else SAMPLE / name


def score(gold: list[dict], extracted: dict[str, tuple[Quote, ...]],
          texts: dict[str, str]) -> dict:
    """Precision and recall of speaker attribution (see the module docstring)."""
    recalled, judged, correct, misses = 0, 0, 0, []
    for row in gold:
        text = texts[row["article"]]
        start = text.index(row["quote"])  # quotes are stored without closing punctuation
        end = start + len(row["quote"].rstrip(",.;: "))
        overlapping = [q for q in extracted[row["article"]] if q.start < end and start < q.end]
        judged += len(overlapping)
        correct += sum(q.matches(row["speaker"]) for q in overlapping)
        hit = any(q.start <= start and end <= q.end and q.matches(row["speaker"])
                  for q in overlapping)
        recalled += hit
        if not hit or any(not q.matches(row["speaker"]) for q in overlapping):
            misses.append((row, [(q.speaker, q.kind) for q in overlapping]))
    return {"n": len(gold), "recall": recalled / len(gold) if gold else 0.0,
            "precision": correct / judged if judged else 0.0, "judged": judged,
            "misses": misses}


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every error")
    args = parser.parse_args()
    gold = load_gold()
    texts = {a: article_path(a).read_text() for a in {row["article"] for row in gold}}
    extracted = {a: find_quotes(t) for a, t in texts.items()}
    print(f"{'split':8} {'n':>4} {'precision':>10} {'recall':>7} {'judged':>7}")
    for split in ("tune", "report", "all"):
        rows = [r for r in gold if split == "all" or r["split"] == split]
        s = score(rows, extracted, texts)
        print(f"{split:8} {s['n']:>4} {s['precision']:>10.3f} {s['recall']:>7.3f} "
              f"{s['judged']:>7}")
        if args.verbose and split == "tune":
            for row, found in s["misses"]:
                print(f"  {row['article']}: {row['quote'][:50]!r} gold {row['speaker']!r} "
                      f"got {found}")
    ingest_cost()


def ingest_cost() -> None:
    """Milliseconds per article of the ingest-time readers over the in-repo BBC articles
    (dates first, with dateparser's cache cold as at the start of a build)."""
    articles = [p.read_text(errors="replace") for p in sorted(BBC.rglob("*.txt"))]
    day = date(2005, 1, 15)  # the BBC files carry no date; any day does for timing
    for name, read in (("articledates.resolve", lambda t: resolve(t, day)),
                       ("quotes.find_quotes", find_quotes)):
        started = time.perf_counter()
        for text in articles:
            read(text)
        per = (time.perf_counter() - started) / len(articles) * 1000
        print(f"{name}: {per:.2f} ms per article over {len(articles)} BBC test articles")


if __name__ == "__main__":
    main()
