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

import hashlib
import json
import logging
import math
import os
import shutil
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import tables, versions
from .build import Progress, build_index
from .embed import Embedder, sha256_file
from .errors import QAError
from .filters import Filters
from .ranking import rank
from .search import Hit, Retriever, hits_of
from .settings import Mode, Settings

log = logging.getLogger(__name__)

MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
#: Passages ranked per query for article-level metrics: deep enough for MAP.
DEPTH = 1000


class EvalDataError(QAError):
    """An evaluation file is missing or malformed."""


@dataclass(frozen=True)
class Collection:
    """A BEIR-layout test collection: queries by id, and graded judgments per query."""

    name: str
    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Question:
    question: str
    article: str
    answer: str


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


# -- reading evaluation data ------------------------------------------------------------
def _jsonl(path: Path) -> Iterable[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalDataError(f"no file {path}") from None
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                raise EvalDataError(f"{path} line {n} is not JSON") from None


def load_collection(folder: Path) -> Collection:
    """Read a BEIR folder; only queries with at least one judgment are kept."""
    corpus, qrels_file = folder / "corpus.jsonl", folder / "qrels" / "test.tsv"
    for needed in (corpus, folder / "queries.jsonl", qrels_file):
        if not needed.is_file():
            raise EvalDataError(
                f"{folder}/ is not a BEIR folder: {needed.relative_to(folder)} is missing "
                "(expected corpus.jsonl, queries.jsonl and qrels/test.tsv)"
            )
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate(qrels_file.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if len(parts) != 3 or (n == 1 and not parts[2].strip().lstrip("-").isdigit()):
            continue  # the header line, or a blank one
        query, doc, grade = parts
        qrels.setdefault(query, {})[doc] = int(grade)
    queries = {
        str(obj["_id"]): str(obj["text"])
        for obj in _jsonl(folder / "queries.jsonl")
        if str(obj.get("_id")) in qrels
    }
    if not queries:
        raise EvalDataError(f"no judged queries in {folder}/ (queries.jsonl and qrels disagree)")
    return Collection(_collection_name(folder), corpus, queries, qrels)


def _collection_name(folder: Path) -> str:
    folder = folder.resolve()
    return f"{folder.parent.name}/{folder.name}" if folder.name == "beir" else folder.name


def load_questions(path: Path) -> list[Question]:
    out = []
    for n, obj in enumerate(_jsonl(path), start=1):
        try:
            out.append(Question(str(obj["question"]), str(obj["article"]), str(obj["answer"])))
        except (KeyError, TypeError):
            raise EvalDataError(
                f"{path} record {n} needs question, article and answer fields"
            ) from None
    if not out:
        raise EvalDataError(f"no questions in {path}")
    return out


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
        named = question.article == hit.article_id or question.article in hit.also_in
        if named and question.answer in hit.text:
            return rank
    return None


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
    return hits_of(snap, rank(snap, retriever.embedder, retriever.settings, text, DEPTH,
                              filters))


def evaluate_collection(
    retriever: Retriever, collection: Collection, modes: Sequence[Mode] = MODES
) -> Report:
    """Article-level metrics of each mode (an article ranks where its best passage does)."""
    with retriever.snapshot.lock:
        known = {doc_id(a) for a in tables.article_ids(retriever.snapshot.db)}
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
    """Passage-level Hit@1/5/10 and MRR@10 of each mode."""
    results = []
    for mode in modes:
        rows, times = [], []
        for q in questions:
            hits, ms = _timed(retriever.search, q.question, 10, filters=Filters(mode))
            times.append(ms)
            rank = answer_rank(hits, q)
            rows.append({
                "Hit@1": float(rank is not None and rank <= 1),
                "Hit@5": float(rank is not None and rank <= 5),
                "Hit@10": float(rank is not None),
                "MRR@10": 1.0 / rank if rank else 0.0,
            })
        results.append(ModeResult(mode, _mean(rows), statistics.median(times)))
    return Report(name, "passage", len(questions), tuple(results))


# -- an index for a BEIR corpus -----------------------------------------------------------
def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa" / "eval"


def staged_corpus(collection: Collection, root: Path) -> Path:
    """A corpus folder holding only the collection's ``corpus.jsonl`` (queries and qrels
    must not be indexed as articles), refreshed when the original changes."""
    folder = root / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "corpus.jsonl"
    if not target.is_file() or sha256_file(target) != sha256_file(collection.corpus):
        shutil.copyfile(collection.corpus, target)
    return folder


def default_index_root(collection: Collection, model: str) -> Path:
    key = hashlib.sha256(f"{collection.corpus.resolve()}|{model}".encode()).hexdigest()[:12]
    return cache_dir() / f"{collection.name.replace('/', '-')}-{key}"


def collection_index(
    collection: Collection,
    settings: Settings,
    *,
    index_dir: Path | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> Path:
    """The index to evaluate ``collection`` on: ``index_dir`` if it holds an index, else
    one built from the collection's corpus (by default in a cache folder, where later
    runs reuse it and embed nothing)."""
    if index_dir is not None and versions.current_name(index_dir) is not None:
        return index_dir
    root = default_index_root(collection, settings.model)
    target = index_dir or root / "index"
    corpus = staged_corpus(collection, root)
    log.info("indexing %s into %s", collection.corpus, target)
    build_index(corpus, settings=settings.with_(index_dir=target), embedder=embedder,
                progress=progress)
    return target
