"""Work in proportion to the change, at archive size: prints a table.

    .venv/bin/python benchmarks/proportional.py [--passages 100000] [--work DIR]

Writes a corpus of dated article files (sentences from the BBC articles kept in
tests/data, so it needs nothing outside the repository), builds it once, then measures
what does not depend on the model: a no-op rebuild, adding and removing one article
(each with the number of files it read; reading every file is timed for comparison),
loading the index, and query time with and without a broad date filter. Vectors come from a hashing
embedder of the real model's size (384 dims): embedding speed is measured by
benchmarks/run.py, and here it would only hide the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import qa.ingest.corpus  # noqa: E402
from qa import Filters, Retriever, Settings, build_index  # noqa: E402
from qa.embed.model import load_tokenizer  # noqa: E402
from qa.ingest.corpus import scan  # noqa: E402
from qa.ingest.split import sentence_spans  # noqa: E402

BBC = HERE.parent / "tests" / "data" / "bbc-news" / "news"
PER_ARTICLE = 4  # paragraphs of ~150 word pieces: about 3.3 passages an article


class HashEmbedder:
    """Deterministic unit vectors from a hash of the text, 384 dims like MiniLM."""

    name, fingerprint, dim, max_tokens = "hash-384", "hash-384", 384, 254

    def __init__(self) -> None:
        self.tokenizer = load_tokenizer()

    def _one(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_documents(self, texts):
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


def write_corpus(folder: Path, passages: int, seed: int = 0) -> int:
    sentences = []
    for path in sorted(BBC.rglob("*.txt")):
        text = path.read_text()
        sentences += [text[a:b] for a, b, _ in sentence_spans(text) if 8 < b - a < 300]
    rng = random.Random(seed)
    articles = passages // PER_ARTICLE
    for n in range(articles):
        paragraphs = [" ".join(rng.choices(sentences, k=5)) for _ in range(PER_ARTICLE)]
        day = f"{2000 + n % 25}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{n:06d}.txt").write_text(
            f"date {day}\nStory {n}\n\n" + "\n\n".join(paragraphs) + "\n")
    return articles


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def p50_ms(fn, questions) -> float:
    times = []
    for q in questions:
        times.append(timed(fn, q)[1])
    return float(np.median(times) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-proportional-"))
    corpus, settings = work / "corpus", Settings(index_dir=work / "index")
    embedder = HashEmbedder()
    rows: list[tuple[str, str]] = []
    if not corpus.exists():
        write_corpus(corpus, args.passages)
    report, full_s = timed(build_index, corpus, settings=settings, embedder=embedder)
    rows.append(("full build (hashing embedder)", f"{full_s:.1f} s, {report.passages:,} "
                 f"passages, {report.articles:,} articles, {report.index_type}"))
    files, scan_s = timed(lambda: sum(1 for _ in scan(corpus.resolve(), settings)))
    rows.append(("reading every file (`scan`, for comparison)", f"{scan_s:.2f} s, {files:,} files"))
    read = {"files": 0}
    real_read = qa.ingest.corpus.read_file

    def counted(*a):
        read["files"] += 1
        return real_read(*a)

    qa.ingest.corpus.read_file = counted  # files a build reads: new or changed since they were read

    def build(label: str, extra_text: str = "") -> tuple:
        read["files"] = 0
        done, seconds = timed(build_index, corpus, settings=settings, embedder=embedder)
        rows.append((label, f"{seconds:.2f} s, {read['files']} files read{extra_text}"))
        return done, seconds

    noop, _ = build("no-op `build_index` (target <= 2 s)")
    assert noop.embedded == 0 and noop.version == report.version
    extra = corpus / "extra.txt"
    extra.write_text("date 2026-01-30\nLighthouse keeper retires\n\nThe last keeper of the "
                     "Fair Isle lighthouse retired on Monday after 41 years.\n")
    added, _ = build("add one article")
    assert added.added == ("extra.txt",)
    extra.unlink()
    build("remove one article")
    retriever, load_s = timed(Retriever.load, settings=settings, embedder=embedder)
    rows.append(("load the index (target <= 3 s; checksums verified)", f"{load_s:.2f} s"))
    questions = ["minister said the economy", "film award ceremony", "mobile phone sales",
                 "election campaign promises", "club manager transfer", "oil prices rise"] * 5
    broad = Filters(since="2001", until="2024")  # 23 of the 25 years
    for mode in ("hybrid", "dense", "bm25"):
        plain = p50_ms(lambda q, mode=mode: retriever.search(q, 10, filters=Filters(mode=mode)),
                       questions)
        dated = p50_ms(lambda q, mode=mode: retriever.search(
            q, 10, filters=Filters(mode=mode, since=broad.since, until=broad.until)), questions)
        rows.append((f"{mode} query p50, no filter / broad date filter (target <= 2x)",
                     f"{plain:.1f} / {dated:.1f} ms = {dated / plain:.2f}x"))
    print(f"\nProportional work at {report.passages:,} passages ({work})\n")
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
