"""Queries encoded in NumPy give sentence-transformers' vectors, and asking questions
imports neither PyTorch nor sentence-transformers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import Settings, build_index
from qa.embed.model import _plain_tokenizer, bundled_model_dir
from qa.embed.numpy_bert import NumpyBert, fits

from helpers.data import SEED

QUESTIONS = [
    "When is the critical minerals ministerial?",
    "  What did Gor and Jaishankar discuss?  \n",  # stripped, as sentence-transformers does
    "",
    "x",
    "Café déjà vu — naïve résumé: 北京欢迎你 🙂",
    "Which company made the award-winning pocket hard drive shown in Las Vegas?",
    "word " * 400,  # past the 256-piece window: cut as sentence-transformers cuts it
]
HEAVY = {"torch", "sentence_transformers", "transformers", "sklearn"}


def test_the_bundled_model_fits_and_another_pooling_does_not(tmp_path: Path) -> None:
    assert fits(bundled_model_dir())
    other = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), other, ignore=shutil.ignore_patterns("*.safetensors"))
    (other / "model.safetensors").touch()
    assert fits(other)
    pooling = json.loads((other / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (other / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert not fits(other)
    assert not fits(tmp_path / "nowhere")


def test_numpy_vectors_are_sentence_transformers_vectors(real_embedder) -> None:
    ours = NumpyBert(bundled_model_dir())
    theirs = real_embedder.model.encode(QUESTIONS, normalize_embeddings=True,
                                        convert_to_numpy=True)
    together = ours.encode(QUESTIONS)  # padded to the longest: padding must not count
    alone = np.stack([ours.encode([q])[0] for q in QUESTIONS])
    assert together.dtype == np.float32 and together.shape == (len(QUESTIONS), 384)
    np.testing.assert_allclose(together, theirs, atol=1e-5)
    np.testing.assert_allclose(alone, theirs, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-6)
    assert ours.encode([]).shape == (0, 384)


def test_the_embedder_splits_with_the_models_own_tokenizer(real_embedder) -> None:
    assert real_embedder.tokenizer.to_str() == _plain_tokenizer(
        real_embedder.model.tokenizer.backend_tokenizer).to_str()
    assert (real_embedder.dim, real_embedder.max_tokens) == (384, 254)


def test_questions_import_no_torch(tmp_path: Path, real_embedder) -> None:
    """A process that loads an index and searches it (what `qa ask` does) never imports
    PyTorch or sentence-transformers; building one (documents) does."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    build_index(corpus, settings=Settings(index_dir=tmp_path / "index"), embedder=real_embedder)
    code = ("import sys\n"
            "from qa import Retriever\n"
            f"hits = Retriever.load({str(tmp_path / 'index')!r}).search("
            "'critical minerals ministerial', 2)\n"
            "print(hits[0].article_id)\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [SEED.name, "[]"]


@pytest.mark.parametrize("text", ["Who won the match?", "word " * 400])
def test_padding_does_not_change_a_vector(text: str) -> None:
    """A short query padded to a long one in a batch gets the vector it gets alone."""
    ours = NumpyBert(bundled_model_dir())
    short, long = ours.encode(["Who?", text])
    np.testing.assert_allclose(long, ours.encode([text])[0], atol=1e-6)
    np.testing.assert_allclose(short, ours.encode(["Who?"])[0], atol=1e-6)
