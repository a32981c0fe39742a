"""Sentence embeddings: the protocol the rest of the package uses, the bundled model
behind it, and the micro-batching of queries that arrive together."""

from __future__ import annotations

from .batching import Batcher
from .model import SentenceTransformerEmbedder, load_tokenizer, sha256_file
from .protocol import Embedder

__all__ = [
    "Batcher",
    "Embedder",
    "load_tokenizer",
    "SentenceTransformerEmbedder",
    "sha256_file",
]
