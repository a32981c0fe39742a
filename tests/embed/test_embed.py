"""The real embedding model: bf16 autocast gives the same answers as fp32, and the
backend that embeds documents is the one asked for."""

from __future__ import annotations

import numpy as np
import pytest

from qa import SentenceTransformerEmbedder, Settings
from qa.embed import model as embed_mod
from qa.errors import ModelUnavailable
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
    # Questions are encoded by the int8 graph whatever embeds documents: identical vectors.
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


def test_auto_backend_is_the_int8_graph_unless_a_precision_is_asked_for(monkeypatch) -> None:
    def encoder(**kw) -> tuple[str, str]:
        embedder = SentenceTransformerEmbedder(Settings(**kw))
        return embedder.backend, embedder.precision

    monkeypatch.setattr(embed_mod, "bf16_supported", lambda: False)
    assert encoder() == ("onnx", "int8")
    assert encoder(precision="fp32") == ("torch", "fp32")
    assert encoder(backend="torch") == ("torch", "fp32")
    monkeypatch.setattr(embed_mod, "bf16_supported", lambda: True)
    assert encoder() == ("onnx", "int8")
    assert encoder(backend="torch") == ("torch", "bf16")
    assert encoder(precision="bf16") == ("torch", "bf16")


def test_the_onnx_backend_embeds_documents_with_the_int8_graph(passages: list[str],
                                                               fp32) -> None:
    onnx = SentenceTransformerEmbedder(Settings(backend="onnx"))
    ours, reference = onnx.embed_documents(passages), fp32.embed_documents(passages)
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    cosine = (ours * reference).sum(axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.98
    assert onnx._model is None  # sentence-transformers (and PyTorch) never loaded


def test_only_the_bundled_model_has_an_onnx_graph(tmp_path) -> None:
    with pytest.raises(ModelUnavailable, match="bundled model only.*backend 'torch'"):
        SentenceTransformerEmbedder(Settings(model=str(tmp_path), backend="onnx"))


def test_vectors_are_unit_length(real_embedder, passages: list[str]) -> None:
    v = real_embedder.embed_documents(passages)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert real_embedder.embed_documents([]).shape == (0, real_embedder.dim)
