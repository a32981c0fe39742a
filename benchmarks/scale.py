"""Phases 2-3: a synthetic index of n passages written by the product's own IndexWriter
(so the index type, IVF parameters and BM25 are the product's), then queries through
the product's Retriever, real query encode included (cold: every query is encoded, the
cache-hit path is timed on its own)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import numpy as np
from common import (
    dev_questions,
    folder_bytes,
    peak_rss_bytes,
    percentiles,
    rss_bytes,
    rss_split_bytes,
)
from synthetic import Generator, passage_texts, read_seed

from qa import Article, Filters, Passage, Retriever, SentenceTransformerEmbedder, Settings
from qa.index.vectors import faiss_index
from qa.index.versions import open_current
from qa.index.writer import IndexWriter
from qa.search.ranking import rank

PER_ARTICLE = 10  # synthetic passages per synthetic article
CHUNK = 10_000


def build(seed_version: Path, index_dir: Path, n: int) -> dict:
    """Write an n-passage synthetic index with the product's IndexWriter."""
    started = time.perf_counter()
    seed_manifest = json.loads((seed_version / "manifest.json").read_text())
    seed = read_seed(seed_version)
    gen = Generator(seed)
    settings = Settings(index_dir=index_dir)
    writer = IndexWriter(index_dir, identity=seed_manifest["identity"], full=True)
    with writer:
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            texts = list(passage_texts(seed.sentences, start, stop))
            ids = []
            for a in range(start, stop, PER_ARTICLE):
                parts = texts[a - start : min(stop, a + PER_ARTICLE) - start]
                body = "\n".join(parts)
                article = Article(id=f"synthetic/{a // PER_ARTICLE:07d}.txt",
                                  title=parts[0][:80], text=body,
                                  date=f"20{a % 20 + 5:02d}-0{a % 9 + 1}-1{a % 9}",
                                  source="synthetic")
                writer.table.put_article(article)
                offset = 0
                for seq, text in enumerate(parts):
                    ids.append(writer.table.add_passage(Passage(article.id, seq, offset,
                                                          offset + len(text), text)))
                    offset += len(text) + 1
            writer.add_vectors(ids, gen.vectors(start, stop))
        t = time.perf_counter()
        version = writer.commit(ann_min_passages=settings.ann_min_passages, keep_versions=0,
                                extra={"synthetic": True})
        commit_s = time.perf_counter() - t
    return {
        "build_s": time.perf_counter() - started,
        "commit_s": commit_s,
        "build_peak_rss_bytes": peak_rss_bytes(),
        "index_type": version.manifest["index_type"],
        "noise_sigma": gen.sigma,
        "nn_cosine_target": gen.target,
    }


def queries(index_version: Path, count: int) -> list[str]:
    """The BBC dev questions, then BBC headlines as short news queries."""
    asked = [q["question"] for q in dev_questions()]
    db = sqlite3.connect(f"file:{index_version / 'passages.sqlite'}?mode=ro", uri=True)
    titles = [t for (t,) in db.execute("SELECT title FROM articles ORDER BY id")]
    db.close()
    step = max(1, len(titles) // max(1, count - len(asked)))
    return (asked + titles[::step])[:count]


def _exact_top(vecs: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    best_s = np.full((len(q), 0), -np.inf, np.float32)
    best_i = np.zeros((len(q), 0), np.int64)
    for start in range(0, len(vecs), 100_000):
        s = q @ vecs[start : start + 100_000].T
        top = np.argpartition(-s, min(k, s.shape[1] - 1), axis=1)[:, :k]
        best_s = np.hstack([best_s, np.take_along_axis(s, top, 1)])
        best_i = np.hstack([best_i, ids[start : start + 100_000][top]])
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    return best_i


def query(index_dir: Path, seed_version: Path, count: int) -> dict:
    """Latency of Retriever.search (dense, bm25 and hybrid) and dense Recall@10 vs exact."""
    settings = Settings(index_dir=index_dir)
    embedder = SentenceTransformerEmbedder(settings)
    rss_model = rss_bytes()
    retriever = Retriever.load(settings=settings, embedder=embedder)
    asked = queries(seed_version, count)
    for q in asked[:5]:  # warm-up: first calls initialise kernels and caches
        retriever.search(q, filters=Filters(mode="hybrid"))
    out: dict = {"passages": retriever.snapshot.vectors.ntotal,
                 "index_type": faiss_index.kind(retriever.snapshot.vectors), "queries": len(asked),
                 "nprobe": settings.ann_nprobe}
    raw = faiss_params(retriever.snapshot.vectors)
    out.update(raw)
    # Every mode on cold queries, as a user with a new question waits: the query-vector
    # cache is emptied before each. Then the same question again in each mode, its vector
    # cached (a chat answer's second encode, a repeated question): the cache-hit path.
    modes = ("dense", "bm25", "hybrid")
    times: dict[str, list[float]] = {"encode": [], **{m: [] for m in modes},
                                     **{f"{m}_cached": [] for m in modes}}
    for q in asked:
        for mode in modes:
            embedder.forget_queries()
            t = time.perf_counter()
            retriever.search(q, k=5, filters=Filters(mode=mode))
            times[mode].append(time.perf_counter() - t)
        for mode in modes:
            t = time.perf_counter()
            retriever.search(q, k=5, filters=Filters(mode=mode))
            times[f"{mode}_cached"].append(time.perf_counter() - t)
        embedder.forget_queries()
        t = time.perf_counter()
        embedder.embed_query(q)
        times["encode"].append(time.perf_counter() - t)
    out.update({mode: percentiles(ts) for mode, ts in times.items()})
    version = open_current(index_dir, check_files=False)
    out["vectors_file_bytes"] = (version.path / "vectors.faiss").stat().st_size
    out["bm25_bytes"] = folder_bytes(version.path / "bm25")
    out["table_bytes"] = (version.path / "passages.sqlite").stat().st_size
    out["disk_bytes"] = folder_bytes(version.path)
    out["rss_model_only_bytes"] = rss_model
    out["rss_loaded_bytes"] = rss_bytes()
    out.update(rss_split_bytes())  # rss_anon_bytes, rss_file_bytes (mapped postings touched)
    # The parts that grow with the archive, timed alone: the vector index and BM25.
    qv = np.stack([embedder.embed_query(q) for q in asked])
    parts: dict[str, list[float]] = {"vector_search": [], "bm25_search": []}
    for q, v in zip(asked, qv):
        t = time.perf_counter()
        faiss_index.search(retriever.snapshot.vectors, v, settings.candidates,
                           nprobe=settings.ann_nprobe)
        parts["vector_search"].append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever.snapshot.lexical.search(q, settings.candidates)
        parts["bm25_search"].append(time.perf_counter() - t)
    out.update({name: percentiles(ts) for name, ts in parts.items()})
    # Recall@10 of the product's dense ranking against an exact scan of the same vectors.
    got = [[pid for pid, _ in rank(retriever.snapshot, retriever.embedder, retriever.settings,
                                  q, 10, Filters(mode="dense"))] for q in asked]
    ids, vecs = faiss_index.all_vectors(retriever.snapshot.vectors)
    want = _exact_top(vecs, ids, qv, 10)
    out["recall_at_10"] = float(np.mean([len(set(g) & set(w.tolist())) / 10
                                         for g, w in zip(got, want)]))
    return out


def faiss_params(index) -> dict:
    import faiss

    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexIVF):
        return {"nlist": int(inner.nlist)}
    return {}
