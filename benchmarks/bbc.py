"""Phase 1: build the BBC index through the product's build path, then compare it with
plain sentence-transformers fp32 on the same passages in the same process."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from common import BBC, dev_questions, peak_rss_bytes, rss_bytes

from qa import Filters, Retriever, SentenceTransformerEmbedder, Settings, build_index
from qa.embed.model import bundled_model_dir
from qa.index.vectors import faiss_index
from qa.index.vectors import store as vector_store
from qa.index.versions import open_current


class LookupEmbedder:
    """Replays precomputed fp32 vectors through the real build path (same identity as the
    product's embedder, so the index records the same model), and encodes queries fp32."""

    def __init__(self, real: SentenceTransformerEmbedder, plain, table: dict[str, np.ndarray]):
        self.name, self.fingerprint, self.dim = real.name, real.fingerprint, real.dim
        self.max_tokens, self.tokenizer = real.max_tokens, real.tokenizer
        self.plain, self.table = plain, table

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.table[t] for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.plain.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]


def _corpus(work: Path, articles: int | None) -> tuple[Path, Path, int]:
    """A scratch copy of the BBC corpus (outside the repo) minus one held-out article."""
    corpus = work / "corpus"
    files = sorted(p.relative_to(BBC) for p in BBC.rglob("*.txt"))
    if articles:  # --quick: the dev-question articles plus an even sample of the rest
        wanted = {q["article"] for q in dev_questions()}
        step = max(1, len(files) // articles)
        files = sorted({f for f in files if f.as_posix() in wanted} | set(files[::step]))
    for rel in files:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BBC / rel, corpus / rel)
    held = work / "held-out.txt"
    # One article the dev questions do not need, added back for the incremental build.
    pick = next(f for f in reversed(files) if f.as_posix() not in
                {q["article"] for q in dev_questions()})
    shutil.move(corpus / pick, held)
    return corpus, held, len(files)


def _passages(index_dir: Path) -> tuple[np.ndarray, list[str], np.ndarray]:
    version = open_current(index_dir)
    ids, vecs = faiss_index.all_vectors(vector_store.load(version.path))
    order = np.argsort(ids)
    ids, vecs = ids[order], vecs[order]
    db = sqlite3.connect(f"file:{version.path / 'passages.sqlite'}?mode=ro", uri=True)
    text = dict(db.execute("SELECT id, text FROM passages"))
    db.close()
    return ids, [text[int(i)] for i in ids], vecs


def hit_at_5(retriever: Retriever, mode: str) -> float:
    questions = dev_questions()
    hits = 0
    for q in questions:
        answer = " ".join(q["answer"].split()).lower()
        found = retriever.search(q["question"], k=5, filters=Filters(mode=mode))
        hits += any(h.article_id == q["article"] and answer in " ".join(h.text.split()).lower()
                    for h in found)
    return hits / len(questions)


def interleaved(ours, plain, texts: list[str], *, rounds: int = 6, per: int = 128) -> dict:
    """Embedding alone, ours and plain fp32 taking turns on the same chunks, so that both
    see the same load from other processes on a shared machine."""
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.choice(len(texts), size=min(len(texts), rounds * per),
                                           replace=False)]
    spent = {"ours": 0.0, "fp32": 0.0}
    encoders = {"ours": ours.embed_documents,
                "fp32": lambda c: plain.encode(c, batch_size=32, normalize_embeddings=True)}
    for r in range(rounds):
        chunk = sample[r * per : (r + 1) * per]
        for name in (("ours", "fp32") if r % 2 == 0 else ("fp32", "ours")):
            t = time.perf_counter()
            encoders[name](chunk)
            spent[name] += time.perf_counter() - t
    n = len(sample)
    return {"passages": n, "ours_per_s": n / spent["ours"], "fp32_per_s": n / spent["fp32"],
            "speedup": spent["fp32"] / spent["ours"]}


def run(work: Path, *, articles: int | None) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    corpus, held, n_articles = _corpus(work, articles)
    # QA_BACKEND picks the document encoder (auto, torch or onnx), as for the product.
    settings = Settings.from_env(index_dir=work / "index")
    t = time.perf_counter()
    ours = SentenceTransformerEmbedder(settings)
    load_s = time.perf_counter() - t
    ours.embed_documents(["warm up the kernels", "a second, slightly longer warm-up text"])

    full = build_index(corpus, settings=settings, embedder=ours)
    build_peak = peak_rss_bytes()
    shutil.move(held, corpus / "held-out.txt")
    incremental = build_index(corpus, settings=settings, embedder=ours)

    ids, texts, our_vecs = _passages(settings.index_dir)
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(str(bundled_model_dir()), device="cpu", local_files_only=True)
    plain.encode(["warm up the kernels", "a second, slightly longer warm-up text"])
    t = time.perf_counter()
    fp32 = plain.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    fp32_s = time.perf_counter() - t
    cos = (our_vecs * fp32).sum(axis=1)

    # The same build path fed fp32 vectors: what Hit@5 would be without bf16.
    fp32_settings = settings.with_(index_dir=work / "index-fp32")
    lookup = LookupEmbedder(ours, plain, dict(zip(texts, fp32)))
    build_index(corpus, settings=fp32_settings, embedder=lookup)
    ours_r = Retriever.load(settings=settings, embedder=ours)
    fp32_r = Retriever.load(settings=fp32_settings, embedder=lookup)
    hit = {f"{name}_{mode}": hit_at_5(r, mode)
           for name, r in (("ours", ours_r), ("fp32", fp32_r)) for mode in ("dense", "hybrid")}

    turns = interleaved(ours, plain, texts, per=32 if articles else 128)
    passages = full.passages
    return {
        "interleaved": turns,
        "articles": full.articles,
        "articles_in_corpus": n_articles,
        "passages": passages,
        "precision": f"{ours.backend} {ours.precision}",
        "model_load_s": load_s,
        "build_s": full.seconds,
        "build_passages_per_s": full.embedded / full.seconds,
        "fp32_encode_s": fp32_s,
        "fp32_passages_per_s": len(texts) / fp32_s,
        "speedup": (full.embedded / full.seconds) / (len(texts) / fp32_s),
        "cosine_min": float(cos.min()),
        "cosine_mean": float(cos.mean()),
        "hit_at_5": hit,
        "dev_questions": len(dev_questions()),
        "incremental_s": incremental.seconds,
        "incremental_embedded": incremental.embedded,
        "incremental_pct_of_full": 100 * incremental.seconds / full.seconds,
        "build_peak_rss_bytes": build_peak,
        "rss_after_bytes": rss_bytes(),
        "index_version": str(open_current(settings.index_dir).path),
        "index_type": full.index_type,
    }
