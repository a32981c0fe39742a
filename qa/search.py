"""Answering a question with passages: dense, BM25 or hybrid retrieval over one index."""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import store, vectors
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

    def to_dict(self) -> dict:
        return asdict(self)


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
        with self._lock:
            old = getattr(self, "db", None)
            self.version, self.vectors, self.lexical, self.db = version, vectors_, lexical, db
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
        dense = lexical = None
        if mode in ("dense", "hybrid"):
            query = self.embedder.embed_query(question)
            dense = vectors.search(
                self.vectors, query, pool, allowed=allowed, nprobe=self.settings.ann_nprobe
            )
        if mode in ("bm25", "hybrid"):
            lexical = self.lexical.search(question, pool, allowed=allowed)
        if mode == "hybrid":
            fused = fuse([dense[1], lexical[1]], self.settings.rrf_k)  # type: ignore[index]
            ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        else:
            scores, ids = dense if mode == "dense" else lexical  # type: ignore[misc]
            ranked = list(zip(ids.tolist(), scores.tolist()))
        return ranked[:n]

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
    ) -> list[Hit]:
        """The ``k`` passages that best answer ``question``, best first.

        ``since``/``until`` (``YYYY-MM-DD``, inclusive) and ``source`` restrict the search
        to matching articles before ranking.
        """
        question = " ".join(question.split()) if question else ""
        if not question:
            raise EmptyQuestion()
        k = k or self.settings.k
        allowed = self._allowed(since, until, source)
        if allowed is not None and not len(allowed):
            return []
        return self.hits(self.rank(question, k, mode=mode, allowed=allowed))


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
