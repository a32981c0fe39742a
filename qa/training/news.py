"""News examples for the reader, from the tuning halves of the project's own questions.

SQuAD is Wikipedia; the product reads BBC-style news passages as its search returns them.
Each *tuning* question of ``benchmarks/questions/`` (never a report one, never the dev
questions) gives what the reader meets in the product, from an index of BBC news + the
sample article built by ``qa index``: the passage of an answering article (the question's
own or one judged in ``also``) holding the answer words (the target span), and the
passages the hybrid search ranks in its top 5 that hold no answer (target: none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parents[2] / "benchmarks" / "questions"
#: The question files whose tuning halves are trained on. tuning-extra.jsonl stays out:
#: it is where a news-trained network is compared with the one before, never trained on.
TRAIN_FILES = ("answers.jsonl", "reader.jsonl")


@dataclass(frozen=True)
class NewsQuestion:
    question: str
    positives: tuple[tuple[str, tuple[int, int]], ...]  # passage, the answer's characters
    negatives: tuple[str, ...]  # passages of the top 5 that hold no answer


def tuning_questions(files: tuple[str, ...] = TRAIN_FILES) -> list[dict]:
    rows = []
    for name in files:
        rows += [q for line in (QUESTIONS / name).read_text().splitlines() if line.strip()
                 if (q := json.loads(line)).get("split") == "tune"]
    return rows


def load(index_dir: Path, files: tuple[str, ...] = TRAIN_FILES, depth: int = 5
         ) -> list[NewsQuestion]:
    """The tuning questions of ``files``, read against the index at ``index_dir``."""
    from qa import Retriever

    retriever = Retriever.load(index_dir)
    by_article: dict[str, list[str]] = {}
    rows = retriever.snapshot.rows(retriever.snapshot.ids.tolist())
    for row in sorted(rows.values(), key=lambda r: (r["article_id"], r["start"])):
        by_article.setdefault(row["article_id"], []).append(row["text"])
    out = []
    for q in tuning_questions(files):
        texts = [t for a in (q["article"], *q.get("also", ())) for t in by_article.get(a, [])]
        positives = tuple((t, (t.index(q["answer"]), t.index(q["answer"]) + len(q["answer"])))
                          for t in texts if q["answer"] in t)
        negatives = tuple(h.text for h in retriever.search(q["question"], depth)
                          if q["answer"] not in h.text)
        if positives:
            out.append(NewsQuestion(q["question"], positives, negatives))
    return out
