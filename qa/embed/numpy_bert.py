"""Queries encoded in NumPy: a sentence-transformers model of the bundled model's shape
(a BERT encoder, mean pooling, normalisation) run from its safetensors weights.

Importing PyTorch, transformers and sentence-transformers takes about 7 s of CPU on these
machines: most of a cold `qa ask`, whose reader runs on ONNX Runtime. A question is a
few dozen word pieces, which NumPy encodes in milliseconds. Documents are still embedded
by sentence-transformers (bf16 where the CPU has it); the query vectors of both agree to
fp32 rounding (tests/embed/test_numpy_bert.py).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"]


def _json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def fits(model_dir: Path) -> bool:
    """Whether ``model_dir`` is a model this module runs exactly: BERT with absolute
    positions and exact GELU, mean pooling, normalised, weights in safetensors."""
    modules = _json(model_dir / "modules.json")
    config = _json(model_dir / "config.json")
    pooling = _json(model_dir / "1_Pooling" / "config.json")
    if not (isinstance(modules, list) and isinstance(config, dict) and isinstance(pooling, dict)):
        return False
    return ([m.get("type") for m in modules] == _MODULES
            and [m.get("path") for m in modules][:2] == ["", "1_Pooling"]
            and config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and pooling.get("pooling_mode_mean_tokens") is True
            and not any(v for k, v in pooling.items()
                        if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
            and (model_dir / "model.safetensors").is_file()
            and (model_dir / "tokenizer.json").is_file()
            and (model_dir / "sentence_bert_config.json").is_file())


@functools.lru_cache(maxsize=4)
def load_weights(path: Path) -> dict[str, np.ndarray]:
    """A BERT's weights by name, float32, ``bert.`` prefixes dropped; read once per process
    (the trained reader looks its word pieces up in the same table)."""
    from safetensors.numpy import load_file

    return {k.removeprefix("bert."): v.astype(np.float32, copy=False)
            for k, v in load_file(str(path)).items()}


class NumpyBert:
    """The encoder of one model folder (see :func:`fits`); ``encode`` gives unit vectors."""

    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.dim = int(config["hidden_size"])
        self.max_length = int(
            json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_length)  # specials included, as in s-t
        self.tokenizer: Tokenizer = tokenizer
        self.weights_file = model_dir / "model.safetensors"
        self._w: dict[str, np.ndarray] | None = None  # loaded by the first encode
        self._loading = threading.Lock()

    @property
    def w(self) -> dict[str, np.ndarray]:
        """The weights by name (90 MB for the bundled model: read when first needed, so a
        build, which only embeds documents, never holds them)."""
        with self._loading:
            if self._w is None:
                self._w = load_weights(self.weights_file)
        return self._w

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # sentence-transformers strips each text before tokenizing it.
        encodings = self.tokenizer.encode_batch([t.strip() for t in texts])
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), np.int64)
        mask = np.zeros((len(texts), length), np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1.0
        hidden = self._forward(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(pooled / norms, dtype=np.float32)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, (n, length) = self.w, ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        size = self.dim // self.heads
        # Padding is never attended to (a large negative score before the softmax).
        hide = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for i in range(self.layers):
            at = f"encoder.layer.{i}."
            q, k, v = (self._heads(x, at + "attention.self." + name, size)
                       for name in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + hide
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, self.dim)
            x = self._norm(x + self._linear(context, at + "attention.output.dense"),
                           at + "attention.output.LayerNorm")
            inner = _gelu(self._linear(x, at + "intermediate.dense"))
            x = self._norm(x + self._linear(inner, at + "output.dense"), at + "output.LayerNorm")
        return x

    def _heads(self, x: np.ndarray, name: str, size: int) -> np.ndarray:
        """``(n, heads, length, size)``: one projection of ``x`` split into the heads."""
        n, length, _ = x.shape
        return self._linear(x, name).reshape(n, length, self.heads, size).transpose(0, 2, 1, 3)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # One matrix product over every word piece of the batch (a 3-d product would be
        # one small product per text).
        flat = x.reshape(-1, x.shape[-1]) @ self.w[name + ".weight"].T
        flat += self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + np.float32(self.eps)) * self.w[name + ".weight"] + (
            self.w[name + ".bias"])


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x) = x/2 * erfc(-x / sqrt 2), with erfc to a relative error
    under 1.2e-7 (Numerical Recipes' Chebyshev fit; NumPy has no erf). In place where it
    can be: this runs on every hidden unit of every word piece."""
    z = x * np.float32(-1 / np.sqrt(2.0))
    a = np.abs(z)
    t = a
    t *= 0.5
    t += 1.0
    np.reciprocal(t, out=t)
    poly = np.full_like(t, 0.17087277)
    for c in (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418,
              0.37409196, 1.00002368, -1.26551223):
        poly *= t
        poly += np.float32(c)
    poly -= z * z
    np.exp(poly, out=poly)
    poly *= t  # erfc(|z|)
    erfc = np.where(z >= 0, poly, np.float32(2.0) - poly)
    erfc *= x
    erfc *= 0.5
    return erfc
