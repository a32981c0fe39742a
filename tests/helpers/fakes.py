"""A fast, deterministic stand-in for the embedding model, for tests where the model is
not the point. Vectors are hashed bags of stemmed words, so texts sharing words are
near each other. It uses the real model's tokenizer, so passages split exactly as in
production."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from qa.embed.model import load_tokenizer
from qa.index.keyword.bm25 import _tokens


class FakeEmbedder:
    name = "fake-hashing-embedder"
    fingerprint = "fake"
    dim = 64
    max_tokens = 254

    def __init__(self) -> None:
        self.tokenizer = load_tokenizer()
        self.calls = 0
        self.embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in _tokens([text])[0] or ["<empty>"]:
            h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
            v[h % self.dim] += 1.0 if h & 1 << 31 else -1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else np.eye(self.dim, dtype=np.float32)[0]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)
