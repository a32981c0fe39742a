"""Build or update the index of a corpus folder: ingest, split, embed, store.

Only new or changed articles are split again, and only passages whose text is new get
embedded; everything else keeps its stored vector.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .annotate import annotate
from .dedupe import NearDuplicate, near_duplicates_signed, signature
from .embed import Embedder, SentenceTransformerEmbedder
from .errors import EmptyCorpus, IndexWriteFailed
from .ingest import Article, Read, Skipped, Unchanged, scan
from .settings import Settings
from .split import Passage, Splitter
from .writer import IndexWriter

if TYPE_CHECKING:
    from .cluster import Cluster

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
EMBED_CHUNK = 512  # passages read, embedded and stored at a time: bounds memory
SPLIT_WINDOW = 512  # changed articles sent to a Ray cluster to split at a time


@dataclass(frozen=True)
class BuildReport:
    """What a build did. Article ids in each tuple; ``skipped`` carries the reasons."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    embedded: int = 0
    articles: int = 0
    passages: int = 0
    seconds: float = 0.0
    version: str = ""
    index_type: str = "flat"
    note: str | None = None  # why a full rebuild happened, if it did
    # Indexed articles that repeat another with small edits (kept: search folds them).
    near_duplicates: tuple[NearDuplicate, ...] = ()

    def summary(self) -> str:
        line = (
            f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped; "
            f"embedded {self.embedded} passages in {self.seconds:.1f}s; "
            f"index: {self.articles} articles, {self.passages} passages ({self.index_type})"
        )
        return f"{line}\n({self.note})" if self.note else line

    def to_dict(self) -> dict:
        return {
            "added": list(self.added),
            "updated": list(self.updated),
            "unchanged": self.unchanged,
            "removed": list(self.removed),
            "skipped": [{"id": s.id, "reason": s.reason} for s in self.skipped],
            "embedded": self.embedded,
            "articles": self.articles,
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "index_type": self.index_type,
            "note": self.note,
            "near_duplicates": [
                {"id": d.id, "of": d.of, "similarity": d.similarity} for d in self.near_duplicates
            ],
        }


def identity(embedder: Embedder, splitter: Splitter) -> dict:
    """Everything stored vectors depend on: a change means re-embedding everything."""
    return {
        "model": embedder.name,
        "weights_sha256": embedder.fingerprint,
        "dim": embedder.dim,
        "normalized": True,
        "metric": "inner_product",
        "passage_tokens": splitter.max_tokens,
        "overlap_sentences": splitter.overlap,
    }


@dataclass
class _Tally:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    near: list[NearDuplicate] = field(default_factory=list)


def _articles_of_files(stored: dict[str, str], stamps: dict[str, str]) -> dict[str, list[str]]:
    """``{file: its indexed article ids}`` for the stamped files: the file's own id, or
    ``file#record`` for the records of a JSON/JSONL file."""
    found: dict[str, list[str]] = {}
    for article_id in stored:
        cut = article_id.find("#")
        while cut != -1:  # a file name may hold "#" too: try every cut
            if article_id[:cut] in stamps:
                found.setdefault(article_id[:cut], []).append(article_id)
            cut = article_id.find("#", cut + 1)
        if article_id in stamps:
            found.setdefault(article_id, []).append(article_id)
    return found


def _sync_article(writer: IndexWriter, article: Article, passages: list[Passage]) -> None:
    """Store ``article`` split into ``passages``, keeping every stored passage whose text
    is unchanged (and so its id and vector)."""
    old: dict[str, list[int]] = {}
    for pid, text_hash in writer.table.passages_of(article.id):
        old.setdefault(text_hash, []).append(pid)
    writer.table.put_article(article)
    writer.table.put_annotations(article.id, annotate(article))
    for passage in passages:
        reusable = old.get(passage.text_hash)
        if reusable:
            writer.table.move_passage(reusable.pop(0), passage)
        else:
            writer.table.add_passage(passage)
    writer.delete_passages([pid for pids in old.values() for pid in pids])


def _embed_pending(writer: IndexWriter, embedder: Embedder, progress: Progress | None,
                   cluster: Cluster | None = None) -> int:
    # Longest first, in chunks of similar length: little padding, and memory stays flat.
    pending = sorted(writer.table.pending(), key=lambda p: -p[1])
    total = len(pending)
    if progress:
        progress(0, total)
    if cluster:  # the workers' batches, stored as they arrive
        from .cluster import WINDOW

        done = 0
        for start in range(0, total, WINDOW):
            ids = [pid for pid, _ in pending[start : start + WINDOW]]
            texts = [t for i in range(0, len(ids), EMBED_CHUNK)
                     for t in writer.table.texts(ids[i : i + EMBED_CHUNK])]
            for got, vectors in cluster.embed(ids, texts):
                writer.add_vectors(got.tolist(), vectors)
                done += len(got)
                if progress:
                    progress(done, total)
        return total
    for start in range(0, total, EMBED_CHUNK):
        ids = [pid for pid, _ in pending[start : start + EMBED_CHUNK]]
        writer.add_vectors(ids, embedder.embed_documents(writer.table.texts(ids)))
        if progress:
            progress(min(start + EMBED_CHUNK, total), total)
    return total


def build_index(
    corpus_dir: Path | str | None = None,
    *,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    full: bool = False,
    progress: Progress | None = None,
    ray: str | None = None,
) -> BuildReport:
    """Bring the index in ``settings.index_dir`` up to date with ``corpus_dir``.

    Raises :class:`~qa.errors.EmptyCorpus` (leaving the previous index serving) when no
    article can be indexed, and :class:`~qa.errors.IndexBusy` when another build runs.
    ``progress(done, total)`` is called as passages are embedded. ``ray``: split and
    embed on the Ray cluster at this address (``"local"``: start one here; needs the
    ``cluster`` extra); the result is the index a local build makes.
    """
    settings = settings or Settings.from_env()
    corpus = Path(corpus_dir) if corpus_dir is not None else settings.corpus_dir
    if not corpus.is_dir():
        raise EmptyCorpus(f"no folder at {corpus}/ - give the folder that holds the articles")
    started = time.perf_counter()
    embedder = embedder or SentenceTransformerEmbedder(settings)
    splitter = Splitter(
        embedder.tokenizer,
        min(settings.passage_tokens, embedder.max_tokens),
        settings.overlap_sentences,
    )
    try:
        if ray is None:
            return _update(corpus, settings, embedder, splitter, full, progress, started)
        from .cluster import connect

        # Workers load what the driver loaded: its model, precision and passage size.
        workers = settings.with_(passage_tokens=splitter.max_tokens,
                                 precision=getattr(embedder, "precision", settings.precision))
        with connect(ray, workers) as cluster:
            return _update(corpus, settings, embedder, splitter, full, progress, started,
                           cluster)
    except (OSError, sqlite3.OperationalError) as exc:  # a full disk, a read-only folder
        raise IndexWriteFailed(settings.index_dir, exc) from exc


def _update(corpus: Path, settings: Settings, embedder: Embedder, splitter: Splitter,
            full: bool, progress: Progress | None, started: float,
            cluster: Cluster | None = None) -> BuildReport:
    tally = _Tally()
    window: list[Article] = []  # changed articles waiting to be split

    def sync() -> None:
        split = cluster.split(window) if cluster else [splitter.split(a) for a in window]
        for article, passages in zip(window, split):
            _sync_article(writer, article, passages)
        window.clear()

    with IndexWriter(
        settings.index_dir,
        identity=identity(embedder, splitter),
        lock_timeout=settings.lock_timeout,
        full=full,
    ) as writer:
        stored = writer.article_hashes()
        stamps = writer.file_stamps()
        of_file = _articles_of_files(stored, stamps)
        bodies = writer.body_hashes()
        kept_stamps: dict[str, str] = {}  # files whose every article is indexed
        clean = True  # nothing of the file being read was skipped
        first_seen: dict[str, str] = {}  # body hash -> article id
        present: set[str] = set()
        # A new copy of a text the index holds under another id waits until the scan is
        # over: the indexed copy (which may come later in path order) stays the original.
        held: list[Article] = []
        for item in scan(corpus, settings, stamps):
            if isinstance(item, Unchanged):  # not read: its indexed articles, as they were
                ids = of_file.get(item.rel, [])
                for article_id in ids:
                    original = first_seen.setdefault(bodies[article_id], article_id)
                    if original != article_id:  # an earlier file now holds the same text
                        tally.skipped.append(Skipped(article_id, f"duplicate of {original}"))
                    else:
                        present.add(article_id)
                        tally.unchanged += 1
                if all(i in present for i in ids):
                    kept_stamps[item.rel] = stamps[item.rel]
                continue
            if isinstance(item, Read):
                if clean and item.stamp:
                    kept_stamps[item.rel] = item.stamp
                clean = True
                continue
            if isinstance(item, Skipped):
                clean = False
                tally.skipped.append(item)
                if item.keep:  # unreadable for now: what the index holds of it stays
                    under = (f"{item.id}#", f"{item.id}/")
                    present.update(i for i in stored if i == item.id or i.startswith(under))
                continue
            if item.body_hash not in first_seen and stored.get(item.id) != item.content_hash:
                if writer.body_owners().get(item.body_hash, item.id) != item.id:
                    clean = False
                    held.append(item)
                    continue
            if not _take(item, first_seen, tally, present, stored, window):
                clean = False
            elif len(window) >= (SPLIT_WINDOW if cluster else 1):
                sync()
        for item in held:  # the copies the index holds came first, if they are still there
            _take(item, first_seen, tally, present, stored, window)
        sync()
        removed = sorted(set(stored) - present)
        for article_id in removed:
            writer.delete_article(article_id)
        if not present:
            raise EmptyCorpus(
                f"no article could be indexed from {corpus}/ ({len(tally.skipped)} files "
                "skipped) - add .txt, .md, .html, .json or .jsonl articles; "
                "the previous index, if any, is unchanged"
            )
        if writer.previous and not (tally.added or tally.updated or removed):
            # Nothing changed: keep serving the current version as it is. (The stamps of
            # files read this time are recorded by the next build that changes something.)
            return _finish(tally, writer, (), 0, started, writer.previous.name,
                           writer.previous.manifest["index_type"])
        writer.table.set_file_stamps(kept_stamps, stamps)
        tally.near = near_duplicates_signed(*writer.table.signatures(signature),
                                            writer.table.article_text)
        embedded = _embed_pending(writer, embedder, progress, cluster)
        version = writer.commit(
            ann_min_passages=settings.ann_min_passages,
            keep_versions=settings.keep_versions,
            extra={"corpus": str(corpus)},
        )
    return _finish(tally, writer, tuple(removed), embedded, started, version.name,
                   version.manifest["index_type"], version.manifest["counts"])


def _take(item: Article, first_seen: dict[str, str], tally: _Tally, present: set[str],
          stored: dict[str, str], window: list[Article]) -> bool:
    """Count ``item`` in (queued in ``window`` when new or changed), or as a duplicate of
    the first article with its text (then False)."""
    original = first_seen.setdefault(item.body_hash, item.id)
    if original != item.id:
        tally.skipped.append(Skipped(item.id, f"duplicate of {original}"))
        return False
    present.add(item.id)
    known = stored.get(item.id)
    if known == item.content_hash:
        tally.unchanged += 1
        return True
    window.append(item)
    (tally.updated if known else tally.added).append(item.id)
    return True


def _finish(
    tally: _Tally,
    writer: IndexWriter,
    removed: tuple[str, ...],
    embedded: int,
    started: float,
    version: str,
    index_type: str,
    counts: dict | None = None,
) -> BuildReport:
    counts = counts or writer.previous.manifest["counts"]  # type: ignore[union-attr]
    return BuildReport(
        added=tuple(tally.added),
        updated=tuple(tally.updated),
        unchanged=tally.unchanged,
        removed=removed,
        skipped=tuple(tally.skipped),
        embedded=embedded,
        articles=counts["articles"],
        passages=counts["passages"],
        seconds=time.perf_counter() - started,
        version=version,
        index_type=index_type,
        note=writer.restart_reason,
        near_duplicates=tuple(tally.near),
    )
