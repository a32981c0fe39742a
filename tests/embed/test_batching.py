"""Micro-batching of query encodes (qa/embed/batching.py), with a fake encoder that counts its
calls and can be held inside one, so callers provably arrive while it runs."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qa.embed.batching import Batcher


class FakeEncoder:
    """Row i of ``encode(texts)`` is ``[number in texts[i], len(texts)]``; texts holding
    "bad" raise. ``hold`` keeps the next call waiting until ``release``."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def hold(self) -> None:
        self.gate.clear()
        self.entered.clear()

    def release(self) -> None:
        self.gate.set()

    def __call__(self, texts) -> np.ndarray:
        self.batches.append(list(texts))
        self.entered.set()
        assert self.gate.wait(10)
        if any("bad" in t for t in texts):
            raise ValueError("cannot encode bad")
        return np.array([[float(t.split()[-1]), len(texts)] for t in texts], np.float32)


def _queued(batcher: Batcher, n: int) -> None:
    """Wait until ``n`` callers are queued behind the running encode."""
    deadline = time.monotonic() + 10
    while sum(b.callers for b in batcher._queued) < n:
        assert time.monotonic() < deadline, "callers did not queue"
        time.sleep(0.005)


def _during_an_encode(pool: ThreadPoolExecutor, batcher: Batcher, fake: FakeEncoder,
                      first: str, rest: list[str]):
    """Ask ``first``, hold its encode, ask ``rest`` while it runs, then let it finish:
    the futures of ``first`` and of each of ``rest``."""
    fake.hold()
    running = pool.submit(batcher, first)
    assert fake.entered.wait(10)  # the first encode runs, and waits
    queued = [pool.submit(batcher, t) for t in rest]
    _queued(batcher, len(rest))
    fake.release()
    return running, queued


def test_a_lone_caller_is_encoded_at_once_alone() -> None:
    fake = FakeEncoder()
    batcher = Batcher(fake)
    assert batcher("question 7").tolist() == [7.0, 1.0]
    assert batcher("question 8").tolist() == [8.0, 1.0]
    assert fake.batches == [["question 7"], ["question 8"]] and batcher.calls == 2


def test_callers_arriving_during_an_encode_share_the_next_one() -> None:
    fake = FakeEncoder()
    batcher = Batcher(fake)
    with ThreadPoolExecutor(9) as pool:
        first, rest = _during_an_encode(pool, batcher, fake, "question 0",
                                        [f"question {i}" for i in range(1, 9)])
        assert first.result(10).tolist() == [0.0, 1.0]
        # Each caller gets its own row, from one encode of all eight.
        assert [f.result(10).tolist() for f in rest] == [[float(i), 8.0] for i in range(1, 9)]
    assert fake.batches[0] == ["question 0"]
    assert sorted(fake.batches[1]) == sorted(f"question {i}" for i in range(1, 9))
    assert batcher.calls == 2


def test_an_error_reaches_every_caller_of_its_batch_and_no_other() -> None:
    fake = FakeEncoder()
    batcher = Batcher(fake)
    with ThreadPoolExecutor(4) as pool:
        first, batch = _during_an_encode(pool, batcher, fake, "question 1",
                                         ["question 2", "bad 3", "question 4"])
        assert first.result(10).tolist() == [1.0, 1.0]
        for future in batch:
            with pytest.raises(ValueError, match="cannot encode bad"):
                future.result(10)
    assert batcher("question 5").tolist() == [5.0, 1.0]  # the batcher still works


def test_the_same_question_twice_in_a_batch_is_encoded_once() -> None:
    fake = FakeEncoder()
    batcher = Batcher(fake)
    with ThreadPoolExecutor(4) as pool:
        first, same = _during_an_encode(pool, batcher, fake, "question 1", ["question 2"] * 3)
        first.result(10)
        assert [f.result(10).tolist() for f in same] == [[2.0, 1.0]] * 3
    assert fake.batches == [["question 1"], ["question 2"]]


def test_batches_hold_at_most_max_batch_texts_in_arrival_order() -> None:
    fake = FakeEncoder()
    batcher = Batcher(fake, max_batch=3)
    fake.hold()
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batcher, "question 0")
        assert fake.entered.wait(10)
        rest = []
        for i in range(1, 8):  # one at a time, so the arrival order is known
            rest.append(pool.submit(batcher, f"question {i}"))
            _queued(batcher, i)
        fake.release()
        first.result(10)
        assert [f.result(10)[0] for f in rest] == [float(i) for i in range(1, 8)]
    assert fake.batches == [["question 0"], ["question 1", "question 2", "question 3"],
                            ["question 4", "question 5", "question 6"], ["question 7"]]


def test_many_threads_each_get_their_own_row() -> None:
    batcher = Batcher(FakeEncoder())
    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda i: batcher(f"question {i}")[0], range(400)))
    assert got == [float(i) for i in range(400)]
    assert batcher.calls <= 400


def test_the_real_model_gives_the_same_vectors_batched_or_alone(real_embedder) -> None:
    """Questions asked at once share one call of the encoder: each gets the vector it
    gets alone, and that is sentence-transformers' fp32 one to within cosine 0.98."""
    questions = [f"What did the minister say about trade talks in week {i}?" for i in range(12)]
    alone = np.stack([real_embedder._onnx.encode([q])[0] for q in questions])
    with ThreadPoolExecutor(12) as pool:
        together = np.stack(list(pool.map(real_embedder.embed_query, questions)))
    np.testing.assert_allclose(together, alone, atol=1e-6)
    fp32 = real_embedder.model.encode(questions, normalize_embeddings=True)
    assert (together * fp32).sum(axis=1).min() >= 0.98


def test_query_vectors_are_cached_until_the_cache_is_emptied(real_embedder) -> None:
    question = "Which minister spoke about the harbour tunnel?"
    real_embedder.forget_queries()
    encodes = real_embedder._batcher.calls
    cached = real_embedder.embed_query(question)
    assert real_embedder._batcher.calls == encodes + 1
    # Cached: asking again hands back the very same vector, and encodes nothing.
    assert real_embedder.embed_query(question) is cached
    assert real_embedder._batcher.calls == encodes + 1
    # Emptied: the next ask encodes again and gets a new vector with the same values.
    real_embedder.forget_queries()
    again = real_embedder.embed_query(question)
    assert real_embedder._batcher.calls == encodes + 2
    assert again is not cached
    np.testing.assert_allclose(again, cached, atol=1e-6)
