"""Calibrate the relevance verdict: below `Settings.min_relevance` (the best passage's
cosine to the question) and `Settings.min_answer_score` (the reader's best sentence
probability) the chat says "nothing in these articles about ...".

Scores the BBC dev questions (answerable) and questions about things the corpus does not
cover, against an index of BBC news + the sample article, and prints both score lists
and how each candidate threshold separates them.

usage: python benchmarks/calibrate_relevance.py INDEX_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from qa import Retriever, Settings
from qa.answer.compose import answer

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbc-news" / "dev-questions.jsonl"
if not DEV.exists():
    sys.exit(f"{DEV} is missing: this script reads the shared corpora beside the repository")
OFF_TOPIC = [
    "Who won the 1966 football World Cup final at Wembley?",
    "How do I bake sourdough bread at home?",
    "What is the boiling point of liquid nitrogen?",
    "Who painted the Mona Lisa?",
    "How many moons does Jupiter have?",
    "What is the best recipe for chicken tikka masala?",
    "When did the Titanic sink?",
    "Which team won the 2022 Super Bowl?",
    "What is the capital of Mongolia?",
    "How tall is Mount Everest?",
    "Who discovered penicillin?",
    "What is quantum entanglement?",
    "How do vaccines train the immune system?",
    "Which dinosaur had the longest neck?",
    "What is the population of Lagos in 2030?",
]


def measures(retriever: Retriever, question: str) -> tuple[float, float, bool]:
    """The verdict's two measures: the best cosine of a retrieved passage to the question
    and the reader's best sentence probability; and the verdict as shipped."""
    result = answer(retriever, question)
    best = max((r.score for r in result.readings if r is not None), default=0.0)
    return max(result.similarities, default=0.0), best, result.relevant


def main(index_dir: str) -> None:
    settings = Settings(index_dir=Path(index_dir))
    retriever = Retriever.load(settings=settings)
    dev = [json.loads(line)["question"] for line in DEV.read_text().splitlines()]
    dev += ["what did Gor and Jaishankar discuss?", "when is the critical minerals ministerial?",
            "Who is Sergio Gor?"]
    on = [measures(retriever, q) for q in dev]
    off = [measures(retriever, q) for q in OFF_TOPIC]
    print("| question | kind | best cosine | reader's best | relevant as shipped |")
    print("|---|---|---|---|---|")
    for kind, questions, rows in (("answerable", dev, on), ("off-topic", OFF_TOPIC, off)):
        for q, (cos, best, verdict) in zip(questions, rows):
            print(f"| {q} | {kind} | {cos:.2f} | {best:.2f} | {verdict} |")
    print("\n| min_relevance | min_answer_score | answerable kept | off-topic flagged |")
    print("|---|---|---|---|")
    for t in (0.40, 0.43, 0.45, 0.47, 0.50):
        for r in (0.5, 0.6, 0.7, 0.8, 0.9, 1.01):
            kept = sum(c >= t or b >= r for c, b, _ in on)
            flagged = sum(c < t and b < r for c, b, _ in off)
            print(f"| {t:.2f} | {r:.2f} | {kept}/{len(on)} | {flagged}/{len(off)} |")
    print(f"\nas shipped (min_relevance {settings.min_relevance}, min_answer_score "
          f"{settings.min_answer_score}): answerable kept {sum(v for *_, v in on)}/{len(on)}, "
          f"off-topic flagged {sum(not v for *_, v in off)}/{len(off)}")
    timeless = "What happened in February 2005?"
    verdict = answer(retriever, timeless).relevant
    print(f"{timeless!r} (no article is dated then) relevant: {verdict}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "index")
