"""Builds on a Ray cluster: the new and changed articles are split, and their new
passages embedded, by Ray Data workers; the driver keeps the one-writer lock, stores
what comes back and commits the version exactly as a local build does.

Optional: ``pip install 'qa-news[cluster]'``. Nothing imports this module unless a
build asks for Ray (``qa index --ray [ADDRESS]``). The driver reads the corpus folder
(it must anyway, to see what changed) and sends article texts, so workers need no
shared disk. Each worker actor loads the model once; Ray Data streams the batches with
back-pressure, and retries the work of a worker that dies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from qa.errors import QAError
from qa.ingest.corpus import Article
from qa.ingest.split import Passage
from qa.settings import Settings

log = logging.getLogger(__name__)

#: Passages sent to the cluster per Ray Data pass: bounds the driver's memory.
WINDOW = 20_000


class ClusterUnavailable(QAError):
    """Ray is not installed, or the cluster cannot be reached."""


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data comes with the [data] extra
    except ImportError as exc:
        raise ClusterUnavailable(
            "building on a Ray cluster needs Ray: pip install 'qa-news[cluster]'") from exc
    return ray


@dataclass(frozen=True)
class Cluster:
    """A connected Ray cluster: ``workers`` actors split and embed at once."""

    workers: int
    settings: Settings  # what every worker loads: the driver's model and precision

    def split(self, articles: Sequence[Article]) -> list[list[Passage]]:
        """The passages of each article, split on the cluster, in ``articles`` order."""
        if not articles:
            return []
        ray = _ray()
        rows = [{"n": i, "article": a} for i, a in enumerate(articles)]
        ds = ray.data.from_items(rows).map_batches(
            _Split, fn_constructor_kwargs={"settings": self.settings}, batch_size=16,
            batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=1)
        out: list[list[Passage]] = [[] for _ in articles]
        for batch in ds.iter_batches(batch_format="pandas"):
            for n, passages in zip(batch["n"], batch["passages"]):
                out[int(n)] = list(passages)
        return out

    def embed(self, ids: Sequence[int], texts: Sequence[str]
              ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(ids, vectors)`` batches of the passages ``ids`` with ``texts`` (at most
        :data:`WINDOW`), as the workers finish them."""
        ray = _ray()
        rows = [{"id": int(i), "text": t} for i, t in zip(ids, texts)]
        ds = ray.data.from_items(rows).map_batches(
            _Embed, fn_constructor_kwargs={"settings": self.settings},
            batch_size=4 * self.settings.batch_size, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=self.workers), num_cpus=1)
        for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
            yield batch["id"].astype(np.int64), np.stack(batch["vector"])


class _Split:
    """On a worker: the product's splitter, with the model's tokenizer loaded once."""

    def __init__(self, settings: Settings) -> None:
        from qa.embed.model import load_tokenizer
        from qa.ingest.split import Splitter

        self.splitter = Splitter(load_tokenizer(settings), settings.passage_tokens,
                                 settings.overlap_sentences)

    def __call__(self, batch):
        batch["passages"] = [self.splitter.split(a) for a in batch["article"]]
        return batch.drop(columns=["article"])


class _Embed:
    """On a worker: the model, loaded once per actor, one thread per actor's CPU."""

    def __init__(self, settings: Settings) -> None:
        import torch

        from qa.embed.model import SentenceTransformerEmbedder

        torch.set_num_threads(1)
        self.embedder = SentenceTransformerEmbedder(settings)
        self.embedder.document_threads = 1

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.embed_documents(list(batch["text"]))
        return {"id": batch["id"], "vector": vectors}


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse at once an address nothing listens on (Ray itself retries for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto" and the like: Ray finds the cluster itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConnectionError(f"nothing answers at {host}:{port} ({exc})") from exc


@contextlib.contextmanager
def connect(address: str | None, settings: Settings, *, workers: int | None = None
            ) -> Iterator[Cluster]:
    """Join the Ray cluster at ``address`` (``None`` or ``"local"``: start one on this
    machine with ``workers`` CPUs, default all) for the length of a build."""
    ray = _ray()
    local = address in (None, "", "local")
    owned = not ray.is_initialized()
    if owned:
        try:
            if local:
                ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False,
                         log_to_driver=False, logging_level=logging.WARNING)
            else:
                _reachable(address)
                ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterUnavailable(f"cannot reach the Ray cluster at {address}: {exc} - "
                                     "start it with `ray start --head`, or use --ray alone "
                                     "for a local one") from exc
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False  # ours shows
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        yield Cluster(workers=max(1, min(workers or cpus, cpus)), settings=settings)
    finally:
        if owned:
            ray.shutdown()
