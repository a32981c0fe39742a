"""Measuring retrieval: BEIR-layout collections (article level) and question files
(passage level), per search mode.

A BEIR folder holds ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/test.tsv``. Its corpus
is indexed like any other corpus (article ids ``corpus.jsonl#<doc id>``), and an article's
score is its best passage's, so the ranking judged is the one a reader sees.

A question file is JSON lines with ``question``, ``article`` (an article id) and
``answer``; a passage answers when it comes from that article and contains the answer
verbatim.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.answer.compose import answer
from qa.search import ranking
from qa.search.filters import Filters
from qa.search.hits import Hit, hits_of
from qa.search.retriever import Retriever
from qa.settings import Mode

from .data import Collection, EvalDataError, Question

log = logging.getLogger(__name__)

MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
#: Passages ranked per query for article-level metrics: deep enough for MAP.
DEPTH = 1000


@dataclass(frozen=True)
class ModeResult:
    """Mean metrics of one mode over a query set, and its median query time."""

    mode: Mode
    metrics: dict[str, float]
    p50_ms: float


@dataclass(frozen=True)
class Report:
    """Results of one query set (a BEIR collection or a question file) for every mode."""

    name: str
    level: str  # "article" or "passage"
    queries: int
    results: tuple[ModeResult, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "level": self.level, "queries": self.queries,
            "modes": {r.mode: {**{k: round(v, 4) for k, v in r.metrics.items()},
                               "p50_ms": round(r.p50_ms, 1)} for r in self.results},
        }

    def table(self) -> str:
        names = list(self.results[0].metrics) if self.results else []
        head = f"{'mode':8}" + "".join(f"{n:>11}" for n in names) + f"{'p50 ms':>9}"
        lines = [f"{self.name}: {self.queries} queries, {self.level} level", head]
        for r in self.results:
            cells = "".join(f"{r.metrics[n]:>11.3f}" for n in names)
            lines.append(f"{r.mode:8}{cells}{r.p50_ms:>9.1f}")
        return "\n".join(lines)


# -- metrics ------------------------------------------------------------------------------
def article_metrics(ranked: Sequence[str], judged: dict[str, int]) -> dict[str, float]:
    """MAP, nDCG@10 (graded gains), Recall@10 and MRR@10 of one ranking of doc ids."""
    relevant = {doc for doc, grade in judged.items() if grade > 0}
    found, precision_sum, rr = 0, 0.0, 0.0
    for rank, doc in enumerate(ranked, start=1):
        if doc in relevant:
            found += 1
            precision_sum += found / rank
            if not rr and rank <= 10:
                rr = 1.0 / rank
    dcg = sum(judged.get(d, 0) / math.log2(r + 1) for r, d in enumerate(ranked[:10], start=1))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(r + 1) for r, g in enumerate(ideal, start=1))
    n = len(relevant) or 1
    return {
        "MAP": precision_sum / n,
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "Recall@10": len(relevant & set(ranked[:10])) / n,
        "MRR@10": rr,
    }


def answer_rank(hits: Sequence, question: Question) -> int | None:
    """1-based rank of the first hit that answers ``question``, or None."""
    for rank, hit in enumerate(hits, start=1):
        # A hit folded from several copies of a story answers for each of them.
        if question.names(hit.article_id, hit.also_in) and question.answer in hit.text:
            return rank
    return None


_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")


def words_match(shown: str, answer: str) -> bool:
    """Whether answer words ``shown`` are the ``answer``: they hold it with at most three
    more words ("about $9.4bn" for "$9.4bn"), or they are at least half of it ("Gor" is
    not "Sergio Gor Jr", "Sergio Gor" is). Case and punctuation aside."""
    words, wanted = _TOKEN.findall(shown.lower()), _TOKEN.findall(answer.lower())
    if not words or not wanted:
        return False

    def within(part: list[str], whole: list[str]) -> bool:
        return any(whole[i : i + len(part)] == part for i in range(len(whole) - len(part) + 1))

    return (within(wanted, words) and len(words) - len(wanted) <= 3) or (
        within(words, wanted) and 2 * len(words) >= len(wanted))


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}


def doc_id(article_id: str) -> str:
    """The BEIR doc id of an article id (``corpus.jsonl#T017`` -> ``T017``)."""
    return article_id.rsplit("#", 1)[-1]


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def _ranked_hits(retriever: Retriever, text: str, filters: Filters) -> list[Hit]:
    snap = retriever.snapshot
    ranked = ranking.rank(snap, retriever.embedder, retriever.settings, text, DEPTH, filters)
    return hits_of(snap, ranked)


def evaluate_collection(
    retriever: Retriever, collection: Collection, modes: Sequence[Mode] = MODES
) -> Report:
    """Article-level metrics of each mode (an article ranks where its best passage does)."""
    known = {doc_id(a) for a in retriever.snapshot.article_ids()}
    judged = {d for docs in collection.qrels.values() for d in docs}
    if not known & judged:
        raise EvalDataError(
            f"the index at {retriever.settings.index_dir}/ holds none of the judged documents "
            f"of {collection.name} - evaluate without --index, or index its corpus.jsonl"
        )
    results = []
    for mode in modes:
        rows, times = [], []
        for qid, text in collection.queries.items():
            # Deeper than a search may ask (Settings.max_k): rank the snapshot directly.
            hits, ms = _timed(_ranked_hits, retriever, text, Filters(mode))
            times.append(ms)
            ranked: list[str] = []
            for hit in hits:
                doc = doc_id(hit.article_id)
                if doc not in ranked:
                    ranked.append(doc)
            rows.append(article_metrics(ranked, collection.qrels[qid]))
        results.append(ModeResult(mode, _mean(rows), statistics.median(times)))
    return Report(collection.name, "article", len(collection.queries), tuple(results))


def evaluate_questions(
    retriever: Retriever, questions: Sequence[Question], name: str,
    modes: Sequence[Mode] = MODES,
) -> Report:
    """Passage-level Hit@1/5/10 and MRR@10 of each mode, and the reader's: sentence@1
    (the lead sentence holds the answer and comes from an answering article: the
    question's, one judged to state the same answer (``also``), or a copy of either),
    coverage (answer words are shown at all), precision (shown words are the answer, by
    :func:`words_match`, from an answering article) and answer@1 (right words shown, over
    every question)."""
    results = []
    for mode in modes:
        rows, times = [], []
        for q in questions:
            hits, ms = _timed(retriever.search, q.question, 10, filters=Filters(mode))
            times.append(ms)
            rank = answer_rank(hits, q)
            lead = answer(retriever, q.question, k=5, filters=Filters(mode), min_relevance=0.0)
            named = lead.best is not None and q.names(lead.best[0].article_id,
                                                      lead.best[0].also_in)
            rows.append({
                "Hit@1": float(rank is not None and rank <= 1),
                "Hit@5": float(rank is not None and rank <= 5),
                "Hit@10": float(rank is not None),
                "MRR@10": 1.0 / rank if rank else 0.0,
                "sentence@1": float(named and q.answer in (lead.sentence or "")),
                "coverage": float(lead.words is not None),
                "answer@1": float(named and words_match(lead.words or "", q.answer)),
            })
        metrics = _mean(rows)
        metrics["precision"] = metrics["answer@1"] / metrics["coverage"] if metrics[
            "coverage"] else 0.0
        results.append(ModeResult(mode, metrics, statistics.median(times)))
    return Report(name, "passage", len(questions), tuple(results))
