"""Build or update the index of a corpus folder: ingest, split, embed, store.

Only new or changed articles are split again, and only passages whose text is new get
embedded; everything else keeps its stored vector.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qa.embed.model import SentenceTransformerEmbedder
from qa.embed.protocol import Embedder
from qa.errors import EmptyCorpus, IndexWriteFailed
from qa.ingest.corpus import Article, scan
from qa.ingest.near_duplicates import near_duplicates_signed, signature
from qa.ingest.split import Passage, Splitter
from qa.news.annotate import annotate
from qa.settings import Settings

from .compare import Comparison, Tally
from .report import BuildReport
from .writer import IndexWriter

if TYPE_CHECKING:
    from .ray_cluster import Cluster

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
EMBED_CHUNK = 512  # passages read, embedded and stored at a time: bounds memory
# Passages embedded between two progress calls: ~2 s of the model on these machines, so a
# bar moves from the start (a whole chunk took 15-30 s, the bar sat at 0 meanwhile).
PROGRESS_SLICE = 64
SPLIT_WINDOW = 512  # changed articles sent to a Ray cluster to split at a time


class StageProgress(Protocol):
    """A progress callback (``(done, total)`` passages embedded) that also hears the
    stages around embedding through ``stage(name, done)``: ``"model"`` (loading it),
    ``"cluster"`` (connecting to Ray), ``"scanning"`` (articles read so far: new, changed
    or unchanged; called for every item the scan finds, skips included), ``"splitting"``
    (new or changed articles split so far), ``"near-duplicates"`` and ``"saving"``. A
    plain ``(done, total)`` callable hears the embedding only."""

    def __call__(self, done: int, total: int) -> None: ...

    def stage(self, name: str, done: int) -> None: ...


def _stage(progress: Progress | None, name: str, done: int = 0) -> None:
    report = getattr(progress, "stage", None)
    if report is not None:
        report(name, done)


def identity(embedder: Embedder, splitter: Splitter) -> dict:
    """Everything stored vectors depend on: a change means re-embedding everything."""
    encoder = getattr(embedder, "backend", None)  # the real model; test fakes have none
    return {
        "model": embedder.name,
        "weights_sha256": embedder.fingerprint,
        **({"encoder": f"{encoder} {embedder.precision}"} if encoder else {}),
        "dim": embedder.dim,
        "normalized": True,
        "metric": "inner_product",
        "passage_tokens": splitter.max_tokens,
        "overlap_sentences": splitter.overlap,
    }


def _encoder_of(embedder: Embedder) -> dict[str, str]:
    """The settings that make another process embed documents as ``embedder`` does."""
    backend = getattr(embedder, "backend", None)
    if backend is None:
        return {}
    return {"backend": backend, **({"precision": embedder.precision} if backend == "torch"
                                   else {})}


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
        from .ray_cluster import WINDOW

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
        texts = writer.table.texts(ids)
        for first in range(0, len(ids), PROGRESS_SLICE):
            last = first + PROGRESS_SLICE
            writer.add_vectors(ids[first:last], embedder.embed_documents(texts[first:last]))
            if progress:
                progress(start + min(last, len(ids)), total)
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
    ``progress(done, total)`` is called as passages are embedded, and ``progress.stage``
    (if it has one, see :class:`StageProgress`) at the stages around that. ``ray``: split and
    embed on the Ray cluster at this address (``"local"``: start one here; needs the
    ``cluster`` extra); the result is the index a local build makes.
    """
    settings = settings or Settings.from_env()
    corpus = Path(corpus_dir) if corpus_dir is not None else settings.corpus_dir
    if not corpus.is_dir():
        raise EmptyCorpus(f"no folder at {corpus}/ - give the folder that holds the articles")
    started = time.perf_counter()
    if embedder is None:
        _stage(progress, "model")
        embedder = SentenceTransformerEmbedder(settings)
    splitter = Splitter(
        embedder.tokenizer,
        min(settings.passage_tokens, embedder.max_tokens),
        settings.overlap_sentences,
    )
    try:
        if ray is None:
            return _update(corpus, settings, embedder, splitter, full, progress, started)
        _stage(progress, "cluster")
        from .ray_cluster import connect

        # Workers load what the driver loaded: its model, encoder and passage size.
        workers = settings.with_(passage_tokens=splitter.max_tokens, **_encoder_of(embedder))
        with connect(ray, workers) as cluster:
            return _update(corpus, settings, embedder, splitter, full, progress, started,
                           cluster)
    except (OSError, sqlite3.OperationalError) as exc:  # a full disk, a read-only folder
        raise IndexWriteFailed(settings.index_dir, exc) from exc


def _update(corpus: Path, settings: Settings, embedder: Embedder, splitter: Splitter,
            full: bool, progress: Progress | None, started: float,
            cluster: Cluster | None = None) -> BuildReport:
    """One build: compare the corpus with the index, store what changed, then embed the
    new passages and publish the version (or keep serving the current one when nothing
    changed)."""
    with IndexWriter(
        settings.index_dir,
        identity=identity(embedder, splitter),
        lock_timeout=settings.lock_timeout,
        full=full,
    ) as writer:
        seen = Comparison(writer.article_hashes(), writer.file_stamps(), writer.body_hashes(),
                          writer.body_owners)
        _store_changes(writer, scan(corpus, settings, seen.stamps), seen, splitter, cluster,
                       progress)
        removed = seen.removed
        for article_id in removed:
            writer.delete_article(article_id)
        if not seen.present:
            raise EmptyCorpus(
                f"no article could be indexed from {corpus}/ ({len(seen.tally.skipped)} files "
                "skipped) - add .txt, .md, .html, .json or .jsonl articles; "
                "the previous index, if any, is unchanged"
            )
        if writer.previous and not (seen.tally.added or seen.tally.updated or removed):
            # Nothing changed: keep serving the current version as it is. (The stamps of
            # files read this time are recorded by the next build that changes something.)
            return _finish(seen.tally, writer, (), 0, started, writer.previous.name,
                           writer.previous.manifest["index_type"])
        writer.table.set_file_stamps(seen.kept_stamps, seen.stamps)
        _stage(progress, "near-duplicates")
        seen.tally.near = near_duplicates_signed(*writer.table.signatures(signature),
                                                 writer.table.article_text)
        embedded = _embed_pending(writer, embedder, progress, cluster)
        _stage(progress, "saving")
        version = writer.commit(
            ann_min_passages=settings.ann_min_passages,
            keep_versions=settings.keep_versions,
            extra={"corpus": str(corpus)},
        )
    return _finish(seen.tally, writer, tuple(removed), embedded, started, version.name,
                   version.manifest["index_type"], version.manifest["counts"])


def _store_changes(writer: IndexWriter, items: Iterable[object], seen: Comparison,
                   splitter: Splitter, cluster: Cluster | None,
                   progress: Progress | None = None) -> None:
    """Split and store the new and changed articles as the scan finds them: one at a
    time, or a window of them for the Ray workers."""
    window: list[Article] = []
    size = SPLIT_WINDOW if cluster else 1
    split = 0

    def found() -> Iterable[Article | None]:
        for item in items:
            article = seen.see(item)  # type: ignore[arg-type]
            tally = seen.tally  # every item counts as a sign of life, skips included
            _stage(progress, "scanning", len(tally.added) + len(tally.updated) + tally.unchanged)
            yield article

    for article in chain(found(), seen.held()):  # the copies held back, once the scan is over
        if article is not None:
            window.append(article)
            if len(window) >= size:
                _split_and_store(writer, window, splitter, cluster)
                split += len(window)
                _stage(progress, "splitting", split)
                window = []
    _split_and_store(writer, window, splitter, cluster)
    if window:
        _stage(progress, "splitting", split + len(window))


def _split_and_store(writer: IndexWriter, articles: list[Article], splitter: Splitter,
                     cluster: Cluster | None) -> None:
    if not articles:
        return
    split = cluster.split(articles) if cluster else [splitter.split(a) for a in articles]
    for article, passages in zip(articles, split):
        _sync_article(writer, article, passages)


def _finish(
    tally: Tally,
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
