"""How many hits the trained reader should read (``Settings.read_passages``): sentence@1,
answer-word coverage and precision on the tuning questions for each count. Prints a table.

    .venv/bin/python benchmarks/read_passages.py [--index DIR] [COUNT ...]

DIR is benchmarks/fit_reader.py's folder (BBC news + the sample article, built there);
the questions are the tuning halves of benchmarks/questions/{answers,reader}.jsonl and
tuning-extra.jsonl (the report halves are never read here). Time per answer is
benchmarks/answer_latency.py's.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from qa import Retriever, Settings  # noqa: E402
from qa.evaluation.data import load_questions  # noqa: E402
from qa.evaluation.measure import evaluate_questions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-reader-bbc"))
    parser.add_argument("counts", type=int, nargs="*", default=[3, 5])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    questions = [q for name in ("answers.jsonl", "reader.jsonl", "tuning-extra.jsonl")
                 for q in load_questions(HERE / "questions" / name, "tune")]
    print(f"| hits read by the network | sentence@1 | coverage | precision |  "
          f"({len(questions)} tuning questions)\n|---|---|---|---|")
    for count in args.counts:
        settings = Settings(index_dir=args.index / "index", read_passages=count)
        report = evaluate_questions(Retriever.load(settings=settings), questions, "tune",
                                    modes=("hybrid",))
        m = report.results[0].metrics
        print(f"| {count} | {m['sentence@1']:.3f} | {m['coverage']:.3f} | {m['precision']:.3f} |")


if __name__ == "__main__":
    main()
