"""The encoders side by side, in one run, on the same BBC passages and questions.

Documents: plain sentence-transformers fp32 (the reference), the product's PyTorch path
under bf16 autocast, the fused fp32 ONNX graph (exported here from the bundled weights)
and the shipped int8 graph, taking turns on the same chunks so that load on the machine
falls on all alike. Passages/s, speed-up over fp32 and cosine to the fp32 vectors.
Questions: encode p50 of sentence-transformers fp32, of the fp32 graph and of the shipped
int8 graph (the product). The int8 graph embeds documents one at a time on every core,
and one per core at once (the product's builds). Reader: the trained reader on the first
3 and 10 hits.

    .venv/bin/python benchmarks/encoders.py [--passages 768] [--json FILE]

Needs the bench extra (the ``onnx`` package exports the fp32 graph).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from common import BBC, dev_questions, loadavg, percentiles, require

from qa import SentenceTransformerEmbedder, Settings
from qa.answer.reader_model import TrainedReader
from qa.embed.onnx_encoder import OnnxEncoder
from qa.embed.onnx_export import export_encoder
from qa.ingest.corpus import scan
from qa.ingest.split import Splitter


def bbc_passages(embedder, count: int, seed: int = 7) -> list[str]:
    """``count`` passages of BBC news as the product splits them, drawn at random."""
    splitter = Splitter(embedder.tokenizer, 254, 1)
    texts = [p.text for a in scan(BBC, Settings()) if hasattr(a, "text")
             for p in splitter.split(a)]
    return random.Random(seed).sample(texts, count)


def documents(encoders: dict, texts: list[str], per: int = 128) -> dict[str, dict]:
    """Each encoder's passages/s and cosine to the first (the reference), taking turns."""
    for encode in encoders.values():
        encode(texts[:8])  # warm up
    spent = dict.fromkeys(encoders, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
    for turn, first in enumerate(range(0, len(texts), per)):
        chunk = texts[first : first + per]
        names = list(encoders) if turn % 2 == 0 else list(encoders)[::-1]
        for name in names:
            t = time.perf_counter()
            vectors[name].append(encoders[name](chunk))
            spent[name] += time.perf_counter() - t
    reference_name = next(iter(encoders))
    reference = np.concatenate(vectors[reference_name])
    out = {}
    for name in encoders:
        cosine = (np.concatenate(vectors[name]) * reference).sum(axis=1)
        out[name] = {"passages_per_s": len(texts) / spent[name],
                     "speedup": spent[reference_name] / spent[name],
                     "cosine_mean": float(cosine.mean()), "cosine_min": float(cosine.min())}
    return out


def questions(encoders: dict, asked: list[str], rounds: int = 5) -> dict[str, dict]:
    """Each encoder's time per question, one question at a time (as a user asks)."""
    out = {}
    for name, encode in encoders.items():
        encode(asked[:3])
        seconds = []
        for _ in range(rounds):
            for q in asked:
                t = time.perf_counter()
                encode([q])
                seconds.append(time.perf_counter() - t)
        out[name] = percentiles(seconds)
    return out


def reader(texts: list[str], asked: list[str]) -> dict[str, dict]:
    shipped = TrainedReader()
    shipped.read(asked[0], texts[:3])
    out = {}
    for hits in (3, 10):
        seconds = []
        for i, q in enumerate(asked):
            t = time.perf_counter()
            shipped.read(q, texts[i * hits : (i + 1) * hits])
            seconds.append(time.perf_counter() - t)
        out[f"top-{hits}"] = percentiles(seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=768)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    require(BBC)
    started = loadavg()
    torch_bf16 = SentenceTransformerEmbedder(Settings(backend="torch", precision="bf16"))
    plain = torch_bf16.model
    texts = bbc_passages(torch_bf16, args.passages)
    asked = [q["question"] for q in dev_questions()]
    with tempfile.TemporaryDirectory() as work:
        fp32_graph = OnnxEncoder(Path(work), export_encoder(Path(work), int8=False))
    int8_graph = OnnxEncoder()

    def st_fp32(chunk):
        return plain.encode(chunk, batch_size=32, normalize_embeddings=True)

    docs = documents({"sentence-transformers fp32": st_fp32,
                      "product torch bf16 (autocast)": torch_bf16.embed_documents,
                      "ONNX fp32 (fused graph)": fp32_graph.encode,
                      "ONNX int8 (shipped graph), one run at a time": int8_graph.encode,
                      "ONNX int8 (shipped graph), one run per core (the product)":
                          lambda chunk: int8_graph.encode(chunk, torch_bf16.document_threads)},
                     texts)
    asks = questions({"sentence-transformers fp32": st_fp32,
                      "ONNX fp32 (fused graph)": fp32_graph.encode,
                      "ONNX int8 (shipped graph, the product)": int8_graph.encode}, asked)
    reads = reader(texts, asked)
    figures = {"passages": len(texts), "questions": len(asked), "documents": docs,
               "queries": asks, "reader": reads, "load": [started, loadavg()]}
    print(f"## Documents ({len(texts)} BBC passages, taking turns)\n")
    print("| encoder | passages/s | vs fp32 | cosine to fp32 mean / min |\n|---|---|---|---|")
    for name, d in docs.items():
        print(f"| {name} | {d['passages_per_s']:.1f} | {d['speedup']:.2f}x | "
              f"{d['cosine_mean']:.4f} / {d['cosine_min']:.4f} |")
    print(f"\n## Questions ({len(asked)} dev questions x 5, one at a time)\n")
    print("| encoder | p50 ms | p95 ms |\n|---|---|---|")
    for name, p in asks.items():
        print(f"| {name} | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} |")
    print("\n## Trained reader (int8 graph), per question\n")
    print("| passages read | p50 ms | p95 ms |\n|---|---|---|")
    for name, p in reads.items():
        print(f"| {name} | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} |")
    print(f"\nload average {started} at the start, {loadavg()} at the end")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
