"""News questions with and without reading dates (issue 11), on one index of TIME 1963
+ BBC news + the sample article.

    python benchmarks/news.py [--index DIR] [--split tune|report]

Builds the index on first use (into /tmp/qa-news-eval), then prints:

- the question set of ``benchmarks/questions/news.jsonl`` by kind: Hit@5 (a passage of
  the answering article holding the answer among the 5 hits), with dates read and with
  dates searched as words (``answer(..., dates=False)``); for speaker questions also
  whether the lead sentence holds the answer; for timeline questions how many of the
  story's articles the timeline shows, and whether its dates ascend;
- questions without time expressions, dates on and off: the BBC dev questions (Hit@5)
  and the TIME 1963 queries (nDCG@10 and MAP of the articles in the first 100 hits), on
  an index of TIME alone, as `qa eval` measures them: its newest article (December 1963)
  is the day their "last week" and "this year" count from.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BBC, DEV_QUESTIONS, SHARED, require  # noqa: E402

from qa import Retriever, Settings, build_index  # noqa: E402
from qa.answer.compose import answer  # noqa: E402
from qa.evaluation.measure import article_metrics, doc_id  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "benchmarks" / "questions" / "news.jsonl"
TIME = SHARED / "time-1963" / "beir"


def build(index: Path) -> None:
    corpus = index.parent / "corpus"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        for part in BBC.iterdir():
            shutil.copytree(part, corpus / part.name)
        shutil.copy(TIME / "corpus.jsonl", corpus / "corpus.jsonl")
        shutil.copy(ROOT / "corpus" / "2026-01-30-jaishankar-gor.txt", corpus)
    started = time.perf_counter()
    report = build_index(corpus, settings=Settings(index_dir=index))
    print(f"index: {report.summary()} ({time.perf_counter() - started:.0f} s)")


def holds(hit, q: dict) -> bool:
    return hit.article_id == q["article"] and q["answer"] in hit.text or \
        q["article"] in hit.also_in and q["answer"] in hit.text


def news_rows(retriever: Retriever, questions: list[dict], dates: bool) -> dict[str, list]:
    rows: dict[str, list] = {}
    for q in questions:
        result = answer(retriever, q["question"], k=5, as_of=q.get("as_of"), dates=dates,
                        min_relevance=0.0)
        row = {"Hit@5": float(any(holds(h, q) for h in result.hits[:5]))}
        if q["kind"] == "speaker":
            row["lead"] = float(q["answer"] in (result.sentence or ""))
        if q["kind"] == "timeline":
            shown = [e.article_id.split("#")[-1] for e in result.timeline()]
            row["story"] = len(set(shown) & set(q["articles"])) / len(q["articles"])
            dates_ = [e.date for e in result.timeline()]
            row["ascending"] = float(dates_ == sorted(dates_) and len(dates_) > 1)
        rows.setdefault(q["kind"], []).append(row)
    return rows


def mean(rows: list[dict], key: str) -> float:
    return statistics.fmean(r[key] for r in rows) if rows else float("nan")


def dev_hit5(retriever: Retriever, dates: bool) -> float:
    qs = [json.loads(line) for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]
    found = []
    for q in qs:
        result = answer(retriever, q["question"], k=5, dates=dates, min_relevance=0.0)
        found.append(any(holds(h, q) for h in result.hits))
    return statistics.fmean(found)


def time_queries(retriever: Retriever, dates: bool, timed: bool | None = None) -> dict[str, float]:
    """Mean nDCG@10 and MAP over the TIME queries (``timed``: only those with / without
    a time expression; None: all)."""
    from datetime import date

    from qa.news.question_dates import read_time
    queries = {json.loads(line)["_id"]: json.loads(line)["text"]
               for line in (TIME / "queries.jsonl").read_text().splitlines() if line.strip()}
    qrels: dict[str, dict[str, int]] = {}
    for line in (TIME / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, doc, grade = line.split("\t")
        qrels.setdefault(qid, {})[doc] = int(grade)
    rows = []
    for qid, text in queries.items():
        if qid not in qrels:
            continue
        if timed is not None and (read_time(text, date(1963, 12, 31)) is not None) != timed:
            continue
        result = answer(retriever, text, k=100, dates=dates, min_relevance=0.0)
        ranked = list(dict.fromkeys(doc_id(h.article_id) for h in result.hits))
        rows.append(article_metrics(ranked, qrels[qid]))
    return {key: statistics.fmean(r[key] for r in rows) for key in ("nDCG@10", "MAP")} | {
        "n": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-news-eval/index"))
    parser.add_argument("--split", choices=["tune", "report"])
    args = parser.parse_args()
    require(BBC, TIME, DEV_QUESTIONS)
    if not (args.index / "CURRENT").exists():
        build(args.index)
    retriever = Retriever.load(args.index)
    questions = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    if args.split:
        questions = [q for q in questions if q["split"] == args.split]
    on, off = news_rows(retriever, questions, True), news_rows(retriever, questions, False)
    print(f"\nnews.jsonl{f' ({args.split} half)' if args.split else ''}: Hit@5, dates read "
          "vs dates searched as words")
    print(f"{'kind':10}{'n':>4}{'dates on':>10}{'dates off':>11}{'gain':>8}  other")
    for kind in ("time", "speaker", "timeline", "plain"):
        a, b = on.get(kind, []), off.get(kind, [])
        extra = ""
        if kind == "speaker":
            extra = f"lead holds the answer {mean(a, 'lead'):.3f} (off {mean(b, 'lead'):.3f})"
        if kind == "timeline":
            extra = (f"story articles on the timeline {mean(a, 'story'):.3f}, "
                     f"dates ascending {mean(a, 'ascending'):.3f}")
        print(f"{kind:10}{len(a):>4}{mean(a, 'Hit@5'):>10.3f}{mean(b, 'Hit@5'):>11.3f}"
              f"{mean(a, 'Hit@5') - mean(b, 'Hit@5'):>+8.3f}  {extra}")
    print("\nquestions without time expressions, dates on vs off")
    print(f"BBC dev (15), Hit@5:      {dev_hit5(retriever, True):.3f} vs "
          f"{dev_hit5(retriever, False):.3f}")
    from qa.evaluation.data import collection_index, load_collection

    time_index = collection_index(load_collection(TIME), Settings(),
                                  index_dir=args.index.parent / "time-index")
    only_time = Retriever.load(time_index)
    for timed, name in ((False, "without time words"), (True, "with time words"),
                        (None, "all")):
        on, off = time_queries(only_time, True, timed), time_queries(only_time, False, timed)
        print(f"TIME 1963 queries {name} ({on['n']}): nDCG@10 {on['nDCG@10']:.4f} vs "
              f"{off['nDCG@10']:.4f}; MAP {on['MAP']:.4f} vs {off['MAP']:.4f}")


if __name__ == "__main__":
    main()
