"""The real embedding model: bf16 autocast gives the same answers as fp32."""

from __future__ import annotations

import numpy as np
import pytest

from qa import SentenceTransformerEmbedder, Settings
from qa.embed import model as embed_mod
from qa.ingest.corpus import scan
from qa.ingest.split import Splitter

from helpers.data import BBC


@pytest.fixture(scope="module")
def passages(real_embedder) -> list[str]:
    """A handful of real BBC passages of varied length, from a few sections."""
    splitter = Splitter(real_embedder.tokenizer, 200, 1)
    texts: list[str] = []
    for section in ("business", "sport", "tech"):
        articles = [a for a in scan(BBC / section, Settings()) if hasattr(a, "text")][:2]
        for article in articles:
            texts.extend(p.text for p in splitter.split(article)[:2])
    texts.append("Short one.")
    return texts


@pytest.fixture(scope="module")
def fp32() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(Settings(precision="fp32"))


def test_bf16_is_within_cosine_0999_of_fp32(passages: list[str], fp32) -> None:
    if not embed_mod.bf16_supported():
        pytest.skip("this CPU has no native bf16; the product runs fp32 here")
    bf16 = SentenceTransformerEmbedder(Settings(precision="bf16"))
    assert bf16.precision == "bf16" and fp32.precision == "fp32"
    a, b = bf16.embed_documents(passages), fp32.embed_documents(passages)
    assert a.dtype == b.dtype == np.float32 and a.shape == b.shape == (len(passages), 384)
    assert (a * b).sum(axis=1).min() >= 0.999
    # Queries are always encoded in fp32 (see embed_query): identical vectors.
    q = "Who won the match?"
    np.testing.assert_allclose(bf16.embed_query(q), fp32.embed_query(q), atol=1e-6)


def test_fp32_embeddings_match_plain_sentence_transformers(passages: list[str], fp32) -> None:
    plain = fp32.model.encode(passages, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(fp32.embed_documents(passages), plain, atol=1e-5)


def test_embeddings_do_not_depend_on_batch_company(passages: list[str], fp32) -> None:
    """Length-sorted batching must not change a passage's vector (padding is masked)."""
    together = fp32.embed_documents(passages)
    alone = np.stack([fp32.embed_documents([p])[0] for p in passages[:4]])
    np.testing.assert_allclose(together[:4], alone, atol=1e-5)


def test_auto_precision_falls_back_to_fp32_without_bf16(monkeypatch) -> None:
    monkeypatch.setattr(embed_mod, "bf16_supported", lambda: False)
    assert SentenceTransformerEmbedder(Settings(precision="auto")).precision == "fp32"
    monkeypatch.setattr(embed_mod, "bf16_supported", lambda: True)
    assert SentenceTransformerEmbedder(Settings(precision="auto")).precision == "bf16"


def test_vectors_are_unit_length(real_embedder, passages: list[str]) -> None:
    v = real_embedder.embed_documents(passages)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert real_embedder.embed_documents([]).shape == (0, real_embedder.dim)
