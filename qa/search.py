"""Answering a question with passages: dense, BM25 or hybrid retrieval over one index.

Hybrid ranking fuses the dense and BM25 rankings by reciprocal rank, after smoothing each
passage's score with its neighbours' in the same article (a passage next to another
strong match is more likely on topic: measured on TIME 1963 and the BBC dev questions).
Near-duplicate passages from different articles (the same wire copy) come back as one
hit that names the others in ``also_in``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import store, vectors
from .dedupe import same_story
from .embed import Embedder, SentenceTransformerEmbedder
from .errors import EmptyQuestion, IndexMismatch
from .formats import iso_date
from .settings import Mode, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    """One retrieved passage and where it came from. ``start``/``end`` are character
    offsets of ``text`` in the article body."""

    text: str
    score: float
    article_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    start: int
    end: int
    passage_id: int
    also_in: tuple[str, ...] = ()  # other articles carrying the same passage

    def to_dict(self) -> dict:
        out = asdict(self)
        out["also_in"] = list(self.also_in)
        return out


def collapse(hits: list[Hit], k: int) -> list[Hit]:
    """The first ``k`` hits with near-duplicates of a better hit (same story, another
    article) folded into that hit's ``also_in``."""
    kept: list[Hit] = []
    for hit in hits:
        for i, better in enumerate(kept):
            if better.article_id != hit.article_id and same_story(better.text, hit.text):
                if hit.article_id not in better.also_in:
                    kept[i] = replace(better, also_in=(*better.also_in, hit.article_id))
                break
        else:
            if len(kept) == k:
                break
            kept.append(hit)
    return kept


def fuse(rankings: list[np.ndarray], rrf_k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: each ranking of ids adds ``1 / (rrf_k + rank)``."""
    fused: dict[int, float] = {}
    for ids in rankings:
        for rank, pid in enumerate(ids.tolist(), start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (rrf_k + rank)
    return fused


class Retriever:
    """Search one index. Load once, search many: the model, vectors and BM25 stay in memory.

    >>> retriever = Retriever.load("index")
    >>> hits = retriever.search("what did Gor and Jaishankar discuss?", k=3)
    """

    def __init__(self, version: store.Version, embedder: Embedder, settings: Settings) -> None:
        self.settings = settings
        self.embedder = embedder
        self._lock = threading.Lock()
        self._open(version)

    @classmethod
    def load(
        cls,
        index_dir: Path | str | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> Retriever:
        settings = settings or Settings()
        if index_dir is not None:
            settings = settings.with_(index_dir=Path(index_dir))
        version = store.open_current(settings.index_dir)
        built_with = version.manifest["identity"]
        if embedder is None:
            if built_with["model"] != settings.model:
                raise IndexMismatch(
                    f"the index at {settings.index_dir}/ was built with model "
                    f"{built_with['model']!r} but {settings.model!r} is configured - "
                    "rebuild with `qa index --full` or configure the same model"
                )
            embedder = SentenceTransformerEmbedder(settings)
        if embedder.fingerprint != built_with["weights_sha256"]:
            raise IndexMismatch(
                f"the index at {settings.index_dir}/ was built with other model weights "
                f"({built_with['model']}) - rebuild it with `qa index --full`"
            )
        return cls(version, embedder, settings)

    def _open(self, version: store.Version) -> None:
        vectors_, lexical = store.load_vectors(version), store.load_lexical(version)
        db = store.connect_readonly(version)
        neighbours = _neighbours(db, lexical.ids)
        with self._lock:
            old = getattr(self, "db", None)
            self.version, self.vectors, self.lexical, self.db = version, vectors_, lexical, db
            self._neighbours = neighbours
        if old is not None:
            old.close()

    def refresh(self) -> bool:
        """Switch to a newer index version if a build published one. True if switched."""
        if store.current_name(self.settings.index_dir) in (None, self.version.name):
            return False
        self._open(store.open_current(self.settings.index_dir))
        return True

    @property
    def manifest(self) -> dict:
        return self.version.manifest

    def _allowed(
        self, since: str | None, until: str | None, source: str | None
    ) -> np.ndarray | None:
        clauses, params = [], []
        for value, op in ((since, ">="), (until, "<=")):
            if value:
                day = iso_date(value)
                if day is None:
                    raise ValueError(f"not a date: {value!r} - use YYYY-MM-DD")
                clauses.append(f"a.date {op} ?")
                params.append(day)
        if source:
            clauses.append("lower(a.source) = lower(?)")
            params.append(source.strip())
        if not clauses:
            return None
        sql = (
            "SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE "
            + " AND ".join(clauses)
        )
        with self._lock:
            rows = self.db.execute(sql, params).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def rank(
        self,
        question: str,
        n: int,
        *,
        mode: Mode | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """The best ``n`` ``(passage id, score)`` pairs for ``question``, best first."""
        mode = mode or self.settings.mode
        if mode not in ("dense", "bm25", "hybrid"):
            raise ValueError(f"unknown mode {mode!r}: use dense, bm25 or hybrid")
        pool = max(n, self.settings.candidates)
        weight = self.settings.neighbour_weight if mode == "hybrid" else 0.0
        dense = lexical = None
        if mode in ("dense", "hybrid"):
            query = self.embedder.embed_query(question)
            dense = vectors.search(
                self.vectors, query, pool, allowed=allowed, nprobe=self.settings.ann_nprobe
            )
            if weight:
                dense = self._smooth_dense(query, dense[1], pool, weight)
        if mode in ("bm25", "hybrid"):
            smooth = (self._neighbours, weight) if weight else None
            lexical = self.lexical.search(question, pool, allowed=allowed, smooth=smooth)
        if mode == "hybrid":
            fused = fuse([dense[1], lexical[1]], self.settings.rrf_k)  # type: ignore[index]
            ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        else:
            scores, ids = dense if mode == "dense" else lexical  # type: ignore[misc]
            ranked = list(zip(ids.tolist(), scores.tolist()))
        return ranked[:n]

    def _smooth_dense(
        self, query: np.ndarray, ids: np.ndarray, n: int, weight: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Re-rank dense candidates (and their neighbours) by neighbour-smoothed score."""
        prev_, next_ = self._neighbours
        positions = np.searchsorted(self.lexical.ids, ids)
        candidates = np.unique(np.concatenate([ids, self.lexical.ids[prev_[positions]],
                                               self.lexical.ids[next_[positions]]]))
        cpos = np.searchsorted(self.lexical.ids, candidates)
        around = np.unique(np.concatenate([cpos, prev_[cpos], next_[cpos]]))
        with self._lock:
            vecs = self.vectors.reconstruct_batch(self.lexical.ids[around])
        score = dict(zip(around.tolist(), (vecs @ query).tolist()))
        smoothed = np.array([
            score[p] + weight * (score[int(a)] + score[int(b)]) / 2
            for p, a, b in zip(cpos.tolist(), prev_[cpos], next_[cpos])
        ], dtype=np.float32)
        order = np.argsort(-smoothed, kind="stable")[:n]
        return smoothed[order], candidates[order]

    def hits(self, ranked: list[tuple[int, float]]) -> list[Hit]:
        if not ranked:
            return []
        ids = [pid for pid, _ in ranked]
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self.db.execute(
                "SELECT p.id, p.text, p.article_id, p.start, p.\"end\", a.title, a.date, "
                f"a.source, a.url FROM passages p JOIN articles a ON a.id = p.article_id "
                f"WHERE p.id IN ({marks})",
                ids,
            ).fetchall()
        by_id = {row["id"]: row for row in rows}
        return [
            Hit(
                text=r["text"], score=float(score), article_id=r["article_id"], title=r["title"],
                date=r["date"], source=r["source"], url=r["url"], start=r["start"],
                end=r["end"], passage_id=pid,
            )
            for pid, score in ranked
            if (r := by_id.get(pid)) is not None
        ]

    def search(
        self,
        question: str,
        k: int | None = None,
        *,
        mode: Mode | None = None,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        collapse: bool = True,
    ) -> list[Hit]:
        """The ``k`` passages that best answer ``question``, best first.

        ``since``/``until`` (``YYYY-MM-DD``, inclusive) and ``source`` restrict the search
        to matching articles before ranking. With ``collapse`` (the default) near-duplicate
        passages of other articles are folded into the better hit's ``also_in``.
        """
        question = " ".join(question.split()) if question else ""
        if not question:
            raise EmptyQuestion()
        k = k or self.settings.k
        allowed = self._allowed(since, until, source)
        if allowed is not None and not len(allowed):
            return []
        if not collapse:
            return self.hits(self.rank(question, k, mode=mode, allowed=allowed))
        # Folding duplicates may leave fewer than k: look deeper until k or nothing left.
        want = 2 * k
        while True:
            ranked = self.rank(question, want, mode=mode, allowed=allowed)
            hits = collapse_hits(self.hits(ranked), k)
            if len(hits) >= k or len(ranked) < want:
                return hits
            want *= 4


collapse_hits = collapse  # ``search`` has a parameter of that name


def _neighbours(db, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``ids``) of each passage's previous and next passage in its article;
    a passage without one names itself."""
    prev_ = np.arange(len(ids))
    next_ = np.arange(len(ids))
    rows = db.execute("SELECT id, article_id FROM passages ORDER BY article_id, seq").fetchall()
    pos = np.searchsorted(ids, np.fromiter((r[0] for r in rows), np.int64, len(rows)))
    for (a, art_a), (b, art_b), pa, pb in zip(rows, rows[1:], pos, pos[1:]):
        if art_a == art_b:
            next_[pa], prev_[pb] = pb, pa
    return prev_, next_


@lru_cache(maxsize=4)
def _cached(index_dir: Path, settings: Settings) -> Retriever:
    return Retriever.load(index_dir, settings=settings)


def search(
    question: str,
    k: int = 5,
    *,
    index_dir: Path | str | None = None,
    mode: Mode | None = None,
    settings: Settings | None = None,
) -> list[Hit]:
    """One call: load (once per process) the index at ``index_dir`` and search it."""
    settings = settings or Settings()
    retriever = _cached(Path(index_dir) if index_dir else settings.index_dir, settings)
    retriever.refresh()
    return retriever.search(question, k, mode=mode)
