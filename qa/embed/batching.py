"""Micro-batching: queries that arrive together share one encode.

A caller that finds no encode running encodes its text at once, alone, so a lone query
never waits for company. Callers arriving while an encode runs queue up; when it ends,
the first of them encodes everything queued in one call, and hands each caller its own
row (group commit, as databases batch the transactions that wait on one disk flush).
Under load the batch grows by itself to what arrived during the previous encode: on two
cores one query alone takes ~13 ms to encode, eight together ~27 ms.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np


class _Batch:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.slots: dict[str, int] = {}  # the same text asked twice is encoded once
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False
        self.callers = 0

    def add(self, text: str) -> int:
        self.callers += 1
        if text not in self.slots:
            self.slots[text] = len(self.texts)
            self.texts.append(text)
        return self.slots[text]


class Batcher:
    """Call with one text, get its row of ``encode([...])``; concurrent callers share one
    ``encode`` call of at most ``max_batch`` texts. An exception raised by ``encode``
    reaches every caller of that batch. Thread-safe."""

    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray], *,
                 max_batch: int = 64) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._queued: deque[_Batch] = deque()  # not started yet, oldest first
        self._running = False
        self.calls = 0  # encode calls so far (for tests and benchmarks)

    def __call__(self, text: str) -> np.ndarray:
        with self._cond:
            if not self._queued or len(self._queued[-1].texts) >= self.max_batch:
                self._queued.append(_Batch())
            batch = self._queued[-1]
            slot = batch.add(text)
            while not batch.done and (self._running or self._queued[0] is not batch):
                self._cond.wait()
            leads = not batch.done
            if leads:  # nothing running and this batch is next: encode it
                self._queued.popleft()
                self._running = True
                self.calls += 1
        if leads:
            try:
                batch.vectors = self._encode(batch.texts)
            except BaseException as exc:  # noqa: BLE001 - handed to every caller below
                batch.error = exc
            finally:
                with self._cond:
                    batch.done, self._running = True, False
                    self._cond.notify_all()
        if batch.error is not None:
            raise batch.error
        return np.array(batch.vectors[slot])  # type: ignore[index]
