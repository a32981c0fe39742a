"""Fit and measure the reader's weights (qa/answer/reader.py WEIGHTS, BIAS).

    .venv/bin/python benchmarks/fit_reader.py [--index DIR]

Indexes BBC news + the sample article with the real model (into DIR, reused by later
runs), retrieves the top 5 passages for every question of the dev set, of the tuning
half of benchmarks/questions/answers.jsonl and of benchmarks/questions/tuning-extra.jsonl,
and describes each sentence of them by the reader's signals; a sentence is positive when
it comes from the answering article and holds the answer string. Then it prints, on
5-fold cross-validation over questions: sentence@1 of each signal alone, of the fitted
model, and of the model without each signal in turn (keep a signal only if dropping it
hurts), and finally the weights fitted on all of it. The report half is never used
here: it measures the result, in `qa eval`.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from common import BBC, DEV_QUESTIONS, require  # noqa: E402

from qa import Retriever, Settings, build_index  # noqa: E402
from qa.answer.reader import FEATURES, candidates  # noqa: E402

SAMPLE = HERE.parent / "corpus" / "2026-01-30-jaishankar-gor.txt"
ANSWERS = HERE / "questions" / "answers.jsonl"


def index(folder: Path) -> Retriever:
    settings = Settings(index_dir=folder / "index")
    corpus = folder / "corpus"
    if not corpus.exists():
        shutil.copytree(BBC, corpus)
        shutil.copy(SAMPLE, corpus / SAMPLE.name)
    build_index(corpus, settings=settings)
    return Retriever.load(settings=settings)


EXTRA = HERE / "questions" / "tuning-extra.jsonl"  # more tuning questions, other articles


def questions(split: str) -> list[dict]:
    files = [ANSWERS, EXTRA] if split == "tune" and EXTRA.exists() else [ANSWERS]
    rows = [json.loads(line) for path in files for line in path.read_text().splitlines()
            if line.strip()]
    return [q for q in rows if q["split"] == split]


def describe(retriever: Retriever, asked: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: the signals of every candidate sentence and which ones answer."""
    out = []
    snap = retriever.snapshot
    for q in asked:
        hits = retriever.search(q["question"], 5)
        vector = retriever.embedder.embed_query(q["question"])
        cosines = snap.vectors.reconstruct_batch(np.array([h.passage_id for h in hits])) @ vector
        texts, starts = [h.text for h in hits], [h.start for h in hits]
        found = candidates(q["question"], texts, starts, cosines.tolist(), snap.lexical)
        if not found:
            continue
        x = np.stack([c.features for c in found])
        y = np.array([
            (hits[c.hit].article_id == q["article"] or q["article"] in hits[c.hit].also_in)
            and q["answer"] in hits[c.hit].text[c.start : c.end] for c in found], dtype=bool)
        out.append((x, y))
    return out


def at1(groups, weights: np.ndarray, bias: float = 0.0) -> float:
    return float(np.mean([y[int(np.argmax(x @ weights + bias))] for x, y in groups]))


def fit(groups) -> tuple[np.ndarray, float]:
    """Weights from pairs (an answering sentence minus another of the same question), so
    the model learns to rank within a question; then the bias that turns the score into
    a probability (Platt scaling on single sentences)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    diffs = []
    for x, y in groups:
        pos, neg = x[y], x[~y]
        if len(neg) > 40:
            neg = neg[rng.choice(len(neg), 40, replace=False)]
        diffs += [p - n for p in pos for n in neg]
    d = np.array(diffs)
    pairs = LogisticRegression(C=1.0, fit_intercept=False, max_iter=5000).fit(
        np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))])
    weights = pairs.coef_[0]
    x = np.concatenate([g[0] for g in groups])
    y = np.concatenate([g[1] for g in groups])
    platt = LogisticRegression(max_iter=1000).fit((x @ weights)[:, None], y)
    return weights * platt.coef_[0][0], float(platt.intercept_[0])


def cross_validated(groups, columns: list[int], folds: int = 5) -> float:
    hits = []
    order = np.random.default_rng(0).permutation(len(groups))
    for f in range(folds):
        test = [groups[i] for i in order[f::folds]]
        train = [groups[i] for i in order if i not in set(order[f::folds])]
        w, b = fit([(x[:, columns], y) for x, y in train])
        hits += [y[int(np.argmax(x[:, columns] @ w + b))] for x, y in test]
    return float(np.mean(hits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-reader-bbc"))
    args = parser.parse_args()
    require(BBC, DEV_QUESTIONS)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    retriever = index(args.index)
    dev = [json.loads(line) for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]
    groups = describe(retriever, dev + questions("tune"))
    answerable = [g for g in groups if g[1].any()]
    print(f"{len(groups)} questions ({len(answerable)} with an answering sentence in the "
          f"top 5 passages), {sum(len(g[1]) for g in groups)} candidate sentences\n")
    everything = list(range(len(FEATURES)))
    print("| signals | sentence@1 (5-fold CV; of questions answerable in the top 5) |")
    print("|---|---|")
    for i, name in enumerate(FEATURES):
        alone = at1(answerable, np.eye(len(FEATURES))[i])
        print(f"| {name} alone (no fitting) | {alone:.3f} |")
    print(f"| all, fitted | {cross_validated(answerable, everything):.3f} |")
    for i, name in enumerate(FEATURES):
        rest = [j for j in everything if j != i]
        print(f"| all but {name} | {cross_validated(answerable, rest):.3f} |")
    weights, bias = fit(answerable)
    print("\nWEIGHTS = np.array([" + ", ".join(f"{w:.3f}" for w in weights) + "])")
    print(f"BIAS = {bias:.3f}")


if __name__ == "__main__":
    main()
