"""Fit and measure how the reader weighs its signals (qa/answer/reader.py SIGNAL_WEIGHTS,
SIGNAL_BIAS, MIN_WORDS_CONFIDENCE).

    .venv/bin/python benchmarks/fit_reader.py [--index DIR] [--weights DIR]

Indexes BBC news + the sample article with the real model (into DIR, reused by later
runs), answers every *tuning* question (the 15 dev questions, the tuning halves of
benchmarks/questions/answers.jsonl and reader.jsonl, and tuning-extra.jsonl) as the
product does (its top 5 hits, time words and speakers included) and reads them (the
network reads the first ``Settings.read_passages``) with the trained reader
(``--weights``: a folder with another ``reader.onnx``, e.g. from ``python -m
qa.training.reader --export-to``).
A sentence is positive when it comes from the answering article and holds the answer.

It prints, on 5-fold cross-validation over questions, sentence@1 of each signal alone and
of the fitted combinations; the weights fitted on all of it; and, for the answer words,
coverage and precision (qa.evaluation.measure.words_match) at each confidence threshold,
from cross-validated probabilities, with the threshold chosen: the lowest whose
precision less one standard error reaches --precision. The report halves are never read
here: `qa eval --questions FILE --split report` measures the result.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from common import BBC, DEV_QUESTIONS, require  # noqa: E402

from qa import Retriever, Settings, build_index  # noqa: E402
from qa.answer import answer, reader_model  # noqa: E402
from qa.answer.reader import MISFIT, SIGNALS, sentences  # noqa: E402
from qa.embed import sha256_file  # noqa: E402
from qa.evaluation.data import Question, load_questions  # noqa: E402
from qa.evaluation.measure import words_match  # noqa: E402
from qa.search.filters import Filters  # noqa: E402

SAMPLE = HERE.parent / "corpus" / "2026-01-30-jaishankar-gor.txt"
QUESTIONS = HERE / "questions"


def index(folder: Path) -> Retriever:
    settings = Settings(index_dir=folder / "index")
    corpus = folder / "corpus"
    if not corpus.exists():
        shutil.copytree(BBC, corpus)
        shutil.copy(SAMPLE, corpus / SAMPLE.name)
    build_index(corpus, settings=settings)
    return Retriever.load(settings=settings)


def tuning_questions() -> list[Question]:
    rows = load_questions(DEV_QUESTIONS)
    for name in ("answers.jsonl", "tuning-extra.jsonl", "reader.jsonl"):
        rows += load_questions(QUESTIONS / name, "tune")
    return rows


def describe(retriever: Retriever, model, asked: list[Question]) -> list[dict]:
    """Per question: every candidate's signals, whether it answers, whether its words do."""
    out = []
    snap = retriever.snapshot
    for q in asked:
        # The hits the product reads (time words, speakers), as qa eval measures them.
        hits = answer(retriever, q.question, k=5, filters=Filters("hybrid"),
                      min_relevance=0.0).hits
        vector = retriever.embedder.embed_query(q.question)
        cosines = snap.vectors.reconstruct_batch(np.array([h.passage_id for h in hits])) @ vector
        found = sentences(q.question, [h.text for h in hits], [h.start for h in hits],
                          cosines.tolist(), snap.lexical, model, retriever.settings.read_passages)
        if not found:
            continue
        named = [q.names(hits[c.hit].article_id, hits[c.hit].also_in) for c in found]
        text = [hits[c.hit].text for c in found]
        out.append({
            "x": np.stack([c.signals for c in found]),
            "y": np.array([n and q.answer in t[c.start:c.end]
                           for n, t, c in zip(named, text, found)], dtype=bool),
            "words_right": np.array([n and c.words is not None and words_match(
                t[c.words[0]:c.words[1]], q.answer) for n, t, c in zip(named, text, found)]),
            # Words that cannot be what was asked ("10.8%" for "how many") are never shown.
            "words_p": np.array([0.0 if c.signals[MISFIT] else c.words_probability
                                 for c in found]),
        })
    return out


def fit(groups, columns: list[int], l2: float = 0.1) -> tuple[np.ndarray, float]:
    """Weights that rank within a question: a conditional logit (each question's
    candidates compete in one softmax; the answering sentences share the target),
    L2-penalised; then Platt scaling on single sentences for the scale and bias, so the
    score is a probability. On the tuning questions it measured 0.870 sentence@1 against
    0.847 for a logistic regression on pairs (5-fold CV, three fold seeds; docs/quality.md)."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp, softmax
    from sklearn.linear_model import LogisticRegression

    xs = [g["x"][:, columns] for g in groups]
    ys = [g["y"] for g in groups]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w) / 2, l2 * w
        for x, y in zip(xs, ys):
            scores = x @ w
            total += logsumexp(scores) - logsumexp(scores[y])
            grad = grad + softmax(scores) @ x - softmax(scores[y]) @ x[y]
        return total, grad

    weights = minimize(loss, np.zeros(len(columns)), jac=True, method="L-BFGS-B").x
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    platt = LogisticRegression(max_iter=1000).fit((x @ weights)[:, None], y)
    return weights * platt.coef_[0][0], float(platt.intercept_[0])


def cross_validated(groups, columns: list[int], folds: int = 5) -> list[np.ndarray]:
    """Each question's sentence probabilities from a model fitted without its fold."""
    probs: list[np.ndarray] = [np.zeros(0)] * len(groups)
    order = np.random.default_rng(0).permutation(len(groups))
    for f in range(folds):
        held = set(order[f::folds].tolist())
        train = [g for i, g in enumerate(groups) if i not in held and g["y"].any()]
        w, b = fit(train, columns)
        for i in held:
            probs[i] = 1 / (1 + np.exp(-(groups[i]["x"][:, columns] @ w + b)))
    return probs


def at1(groups, probs) -> float:
    return float(np.mean([g["y"][int(np.argmax(p))] for g, p in zip(groups, probs)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-reader-bbc"))
    parser.add_argument("--weights", type=Path, default=None,
                        help="folder with another reader.onnx (default: the shipped one)")
    parser.add_argument("--precision", type=float, default=0.90,
                        help="answer-word precision the threshold must reach on the tuning half")
    args = parser.parse_args()
    require(BBC, DEV_QUESTIONS)
    logging.basicConfig(level=logging.WARNING)
    retriever = index(args.index)
    if args.weights:
        model = reader_model.TrainedReader(
            args.weights, sha256_file(args.weights / reader_model.WEIGHTS))
    else:
        model = reader_model.shared()
    groups = describe(retriever, model, tuning_questions())
    answerable = sum(g["y"].any() for g in groups)
    print(f"{len(groups)} tuning questions ({answerable} with an answering sentence in the "
          f"top 5 passages), {sum(len(g['y']) for g in groups)} candidate sentences\n")
    print("| signals | sentence@1 (5-fold CV, all tuning questions) |\n|---|---|")
    for i, name in enumerate(SIGNALS):
        print(f"| {name} alone (no fitting) | {at1(groups, [g['x'][:, i] for g in groups]):.3f} |")
    everything = list(range(len(SIGNALS)))
    subsets = [[0, 1], [0, 2], [0, 1, 2], everything]
    for columns in subsets:
        names = " + ".join(SIGNALS[c] for c in columns)
        print(f"| {names}, fitted | {at1(groups, cross_validated(groups, columns)):.3f} |")
    weights, bias = fit([g for g in groups if g["y"].any()], everything)
    print("\nSIGNAL_WEIGHTS = np.array([" + ", ".join(f"{w:.3f}" for w in weights) + "])")
    print(f"SIGNAL_BIAS = {bias:.3f}\n")

    probs = cross_validated(groups, everything)
    lead = [int(np.argmax(p)) for p in probs]
    confidence = np.array([p[i] * g["words_p"][i] for g, p, i in zip(groups, probs, lead)])
    right = np.array([g["words_right"][i] for g, i in zip(groups, lead)])
    print("| words shown when confidence >= | coverage | precision | precision - 1 SE |\n"
          "|---|---|---|---|")
    chosen = None
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        shown = confidence >= t
        precision = right[shown].mean() if shown.any() else float("nan")
        # The lowest threshold whose precision merely touches the target is the one the
        # noise favoured most: ask for one standard error to spare.
        low = precision - np.sqrt(precision * (1 - precision) / shown.sum()) if shown.any() \
            else float("nan")
        print(f"| {t:.2f} | {shown.mean():.3f} | {precision:.3f} | {low:.3f} |")
        if chosen is None and shown.any() and low >= args.precision:
            chosen = t
    print(f"\nMIN_WORDS_CONFIDENCE = {chosen}  # lowest threshold whose precision less one "
          f"standard error is >= {args.precision} on the tuning questions (cross-validated)")


if __name__ == "__main__":
    main()
