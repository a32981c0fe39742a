"""Vectors at archive scale: does the product's vector index fit and serve 10M passages
on one 24 GB machine? (issue 10; vectors only, no passage texts or BM25).

    python benchmarks/vectors10m.py [--passages 10000000] [--seed-index DIR]

Synthetic passage vectors are grown from a real BBC index (benchmarks/synthetic.py:
real embeddings plus noise shaped like the data, so IVF sees real cluster structure).
The index is the product's own (``qa.index.vectors.faiss_index.empty_ivf``: IVF-SQ8 with an
HNSW coarse
quantizer from ``COMPACT_MIN`` passages), filled in chunks. Queries are real questions
(benchmarks/questions/*.jsonl and the BBC dev set) embedded by the real model. Prints
build time, index bytes on disk, the serving process's resident memory after loading,
dense p50/p95 through ``qa.index.vectors.faiss_index.search`` at ``Settings.ann_nprobe``, and
Recall@10
against exact search over the same vectors (recomputed chunk by chunk).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from common import DEV_QUESTIONS, percentiles, rss_bytes  # noqa: E402
from synthetic import Generator, read_seed  # noqa: E402

from qa import SentenceTransformerEmbedder, Settings  # noqa: E402
from qa.index.vectors import faiss_index

CHUNK = 250_000


def questions() -> list[str]:
    files = [*sorted((HERE / "questions").glob("*.jsonl")), DEV_QUESTIONS]
    rows = [json.loads(line) for path in files if path.exists()
            for line in path.read_text().splitlines() if line.strip()]
    return [row["question"] for row in rows if "question" in row]


def build(gen: Generator, n: int, out: Path, compact: bool) -> dict:
    started = time.perf_counter()
    nlist = faiss_index.nlist_for(n)
    rng = np.random.default_rng(0)
    want = faiss_index.training_size(n, compact)
    starts = np.sort(rng.choice(n // 1000, size=min(n // 1000, want // 1000 + 1),
                                replace=False)) * 1000
    sample = np.concatenate([gen.vectors(s, s + 1000) for s in starts])
    index = faiss_index.empty_ivf(sample, n, compact=compact)
    trained = time.perf_counter() - started
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        index.add_with_ids(gen.vectors(start, stop), np.arange(start, stop, dtype=np.int64))
        print(f"  added {stop:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    faiss_index.write(index, out)
    return {"kind": faiss_index.kind(index), "nlist": nlist, "train_s": trained,
            "build_s": time.perf_counter() - started}


def exact_top10(gen: Generator, n: int, queries: np.ndarray) -> np.ndarray:
    best_s = np.full((len(queries), 10), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 10), np.int64)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        s = queries @ gen.vectors(start, stop).T
        top = np.argpartition(-s, 10, axis=1)[:, :10]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1)
        cand_i = np.concatenate([best_i, top + start], 1)
        keep = np.argsort(-cand_s, axis=1)[:, :10]
        best_s, best_i = np.take_along_axis(cand_s, keep, 1), np.take_along_axis(cand_i, keep, 1)
    return best_i


def serve(path: Path, queries: np.ndarray, nprobe: int) -> dict:
    """In a fresh process: load the index, answer every query, report memory and time."""
    before = rss_bytes()
    index = faiss_index.read(path)
    loaded = rss_bytes()
    for q in queries[:5]:  # warm up
        faiss_index.search(index, q, 10, nprobe=nprobe)
    seconds, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = faiss_index.search(index, q, 10, nprobe=nprobe)
        seconds.append(time.perf_counter() - t)
        found.append(ids.tolist())
    return {"rss_gb": loaded / 1e9, "index_rss_gb": (loaded - before) / 1e9,
            "found": found, **percentiles(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=10_000_000)
    parser.add_argument("--seed-index", type=Path, default=Path("/tmp/qa-reader-bbc/index"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/qa-vectors10m.faiss"))
    parser.add_argument("--compact", action="store_true",
                        help="8-bit codes below COMPACT_MIN too (to compare at one size)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    settings = Settings()
    if args.serve:
        queries = np.load(args.serve)
        print(json.dumps(serve(args.out, queries, settings.ann_nprobe)))
        return
    if not (args.seed_index / "CURRENT").exists():
        sys.exit(f"needs a built BBC index at {args.seed_index} (benchmarks/fit_reader.py "
                 "builds one), to grow the synthetic vectors from")
    # The seed's vectors and texts only: any index format will do.
    version = args.seed_index / "versions" / (args.seed_index / "CURRENT").read_text().split()[0]
    gen = Generator(read_seed(version))
    n = args.passages
    queries = SentenceTransformerEmbedder(settings).embed_documents(questions())
    print(f"{n:,} synthetic passages, {len(queries)} real questions; building...", flush=True)
    built = build(gen, n, args.out, args.compact or n >= faiss_index.COMPACT_MIN)
    truth = exact_top10(gen, n, queries)
    qfile = args.out.with_suffix(".queries.npy")
    np.save(qfile, queries)
    child = subprocess.run([sys.executable, __file__, "--out", str(args.out), "--serve",
                            str(qfile)], capture_output=True, text=True, check=True)
    served = json.loads(child.stdout.strip().splitlines()[-1])
    recall = np.mean([len(set(f) & set(t.tolist())) / 10
                      for f, t in zip(served["found"], truth)])
    print("\n| passages | index | lists | build | on disk | serving RSS | dense p50 | "
          "dense p95 | Recall@10 vs exact |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {n:,} | {built['kind']} (nprobe {settings.ann_nprobe}) | {built['nlist']:,} | "
          f"{built['build_s']:.0f} s (train {built['train_s']:.0f} s) | "
          f"{args.out.stat().st_size / 1e9:.2f} GB | {served['rss_gb']:.2f} GB | "
          f"{served['p50_ms']:.1f} ms | {served['p95_ms']:.1f} ms | {recall:.3f} |")


if __name__ == "__main__":
    main()
