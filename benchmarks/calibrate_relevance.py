"""Calibrate `Settings.min_relevance`: the best-sentence score below which the chat says
"nothing in these articles about ...".

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


def best_score(retriever: Retriever, question: str) -> float:
    """The verdict's measure: the best cosine of a retrieved passage to the question."""
    return max(answer(retriever, question, min_relevance=0.0).similarities, default=0.0)


def main(index_dir: str) -> None:
    retriever = Retriever.load(settings=Settings(index_dir=Path(index_dir)))
    dev = [json.loads(line)["question"] for line in DEV.read_text().splitlines()]
    dev += ["what did Gor and Jaishankar discuss?", "when is the critical minerals ministerial?"]
    on = sorted(best_score(retriever, q) for q in dev)
    off = sorted(best_score(retriever, q) for q in OFF_TOPIC)
    print("answerable:", " ".join(f"{s:.2f}" for s in on))
    print("off-topic: ", " ".join(f"{s:.2f}" for s in off))
    print(f"{'threshold':>9}  answerable kept  off-topic flagged")
    for t in (0.40, 0.43, 0.45, 0.47, 0.50, 0.53, 0.55):
        kept = sum(s >= t for s in on)
        flagged = sum(s < t for s in off)
        print(f"{t:9.2f}  {kept:>7}/{len(on):<7}  {flagged:>8}/{len(off)}")
    print(f"current Settings.min_relevance = {Settings().min_relevance}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "index")
