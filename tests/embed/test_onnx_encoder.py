"""The shipped int8 encoder: checked by sha256 before use, close to sentence-transformers'
fp32 vectors, and what lets questions (and, with ``backend="onnx"``, whole builds) run
without PyTorch. The index records which encoder built it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qa import Settings, build_index
from qa.cli import main
from qa.embed.bundled import sha256_file
from qa.embed.onnx_encoder import MODEL_DIR, WEIGHTS, WEIGHTS_SHA256, OnnxEncoder
from qa.errors import ModelUnavailable
from qa.index.versions import open_current

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


def test_the_shipped_graph_is_checked_before_use(tmp_path: Path) -> None:
    assert sha256_file(MODEL_DIR / WEIGHTS) == WEIGHTS_SHA256
    assert WEIGHTS_SHA256 in (MODEL_DIR / "MODEL_CARD.md").read_text()
    assert (MODEL_DIR / WEIGHTS).stat().st_size < 15e6
    altered = tmp_path / "encoder"
    shutil.copytree(MODEL_DIR, altered)
    data = bytearray((altered / WEIGHTS).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (altered / WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(ModelUnavailable, match="altered - reinstall the package, or export"):
        OnnxEncoder(altered)
    (altered / WEIGHTS).unlink()
    with pytest.raises(ModelUnavailable, match="missing or altered - reinstall"):
        OnnxEncoder(altered)


def test_int8_vectors_are_sentence_transformers_vectors_to_cosine_098(real_embedder) -> None:
    ours = OnnxEncoder()
    theirs = real_embedder.model.encode(QUESTIONS, normalize_embeddings=True,
                                        convert_to_numpy=True)
    together = ours.encode(QUESTIONS)
    assert together.dtype == np.float32 and together.shape == (len(QUESTIONS), 384)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    cosine = (together * theirs).sum(axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.98, cosine
    assert ours.encode([]).shape == (0, 384)


@pytest.mark.parametrize("text", ["Who won the match?", "word " * 400])
def test_a_vector_does_not_depend_on_its_company(text: str) -> None:
    ours = OnnxEncoder()
    short, long = ours.encode(["Who?", text])
    np.testing.assert_allclose(long, ours.encode([text])[0], atol=1e-6)
    np.testing.assert_allclose(short, ours.encode(["Who?"])[0], atol=1e-6)


def test_documents_one_per_core_are_the_vectors_of_one_at_a_time() -> None:
    ours = OnnxEncoder()
    alone = ours.encode(QUESTIONS)
    for threads in (1, 2, 3, 50):  # more threads than texts run one per text
        np.testing.assert_array_equal(ours.encode(QUESTIONS, threads), alone)
    assert ours.encode([], 2).shape == (0, 384)
    np.testing.assert_array_equal(ours.encode(QUESTIONS[:1], 2), alone[:1])
    assert ours.encode([], 1).shape == (0, 384)


def _run(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_questions_import_no_torch(tmp_path: Path, real_embedder) -> None:
    """A process that loads an index and searches it (what `qa ask` does) never imports
    PyTorch or sentence-transformers."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    build_index(corpus, settings=Settings(index_dir=tmp_path / "index"), embedder=real_embedder)
    assert _run("import sys\n"
                "from qa import Retriever\n"
                f"hits = Retriever.load({str(tmp_path / 'index')!r}).search("
                "'critical minerals ministerial', 2)\n"
                "print(hits[0].article_id)\n"
                f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))\n"
                ) == [SEED.name, "[]"]


def test_an_onnx_build_imports_no_torch_and_a_backend_change_re_embeds(tmp_path: Path) -> None:
    """``backend="onnx"`` builds and answers without PyTorch; the manifest records the
    encoder, and building with another one re-embeds every passage, saying why."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    index = tmp_path / "index"
    assert _run("import sys\n"
                "from qa import Retriever, Settings, build_index\n"
                f"s = Settings(index_dir={str(index)!r}, backend='onnx')\n"
                f"report = build_index({str(corpus)!r}, settings=s)\n"
                "print(report.embedded > 0)\n"
                "print(Retriever.load(settings=s).search('critical minerals', 1)[0].article_id)\n"
                f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))\n"
                ) == ["True", SEED.name, "[]"]
    built = open_current(index)
    assert built.manifest["identity"]["encoder"] == "onnx int8"
    again = build_index(corpus, settings=Settings(index_dir=index, backend="onnx"))
    assert again.embedded == 0
    torch_settings = Settings(index_dir=index, backend="torch", precision="fp32")
    changed = build_index(corpus, settings=torch_settings)
    assert changed.embedded == built.manifest["counts"]["passages"]
    assert "encoder onnx int8 -> torch fp32" in changed.note
    assert open_current(index).manifest["identity"]["encoder"] == "torch fp32"
    shown = CliRunner().invoke(main, ["info", "--index", str(index)])
    assert shown.exit_code == 0 and "encoder    torch fp32 (documents)" in shown.output
