"""Hostile requests and a hostile machine: bounds on what a caller controls, uploads,
and writing an index onto a disk that fails."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.errors import BadRequest, QAError
from qa.index.vectors import faiss_index
from qa.web.add_panel import remove_uploaded
from qa.web.handlers import ChatApp

from helpers.data import SEED


@pytest.fixture
def retriever(tmp_path: Path, fake) -> Retriever:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    build_index(corpus, settings=settings, embedder=fake)
    return Retriever.load(settings=settings, embedder=fake)


@pytest.mark.parametrize("k", [10**9, 101, 0, -1, 2.5, "abc", True])
def test_k_outside_1_to_100_is_one_clear_error(retriever: Retriever, k) -> None:
    with pytest.raises(BadRequest, match="k must be a whole number from 1 to 100"):
        retriever.search("Gor", k)  # type: ignore[arg-type]


def test_vector_search_never_asks_faiss_for_more_than_it_holds() -> None:
    index = faiss_index.new_flat(4)
    index.add_with_ids(np.eye(4, dtype=np.float32), np.arange(4, dtype=np.int64))
    scores, ids = faiss_index.search(index, np.ones(4, np.float32), 10**12)  # would abort FAISS
    assert sorted(ids.tolist()) == [0, 1, 2, 3]


def test_question_length_is_bounded_in_the_library(retriever: Retriever) -> None:
    with pytest.raises(BadRequest, match="ask in at most 1,000"):
        retriever.search("news " * 20_000)


def test_a_huge_chat_message_is_refused_and_not_echoed_whole(retriever: Retriever) -> None:
    app = ChatApp(retriever, retriever.settings)
    history, *_ = app.respond("x" * 100_000, [], None, "hybrid", 5, "", "", None, None)
    asked, reply = history
    assert len(asked["content"]) <= 1000
    assert "ask in at most 1,000" in reply["content"]


@pytest.mark.parametrize("k", ["abc", "1e9", 10**9, -1])
def test_the_api_gives_one_clear_error_for_a_bad_k(retriever: Retriever, k) -> None:
    import gradio as gr

    with pytest.raises(gr.Error, match="k must be a whole number"):
        ChatApp(retriever, retriever.settings).api_search("Gor", k)


def test_bad_filters_are_clear_errors(retriever: Retriever) -> None:
    for kwargs, message in (({"mode": "fuzzy"}, "unknown mode"),
                            ({"since": "1"}, "use YYYY, YYYY-MM or YYYY-MM-DD"),
                            ({"since": "2025", "until": "2024"}, "is after until")):
        with pytest.raises(BadRequest, match=message):
            Filters(**kwargs)  # type: ignore[arg-type]


def _upload(tmp_path: Path, name: str, text: str) -> Path:
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()) / f"qa-test-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_failed_update_says_the_upload_was_saved_and_removes_the_temp_copy(
        retriever: Retriever, tmp_path: Path, monkeypatch) -> None:
    from qa.index import updater

    def full_disk(*args, **kwargs):
        raise QAError("could not write the index (No space left on device)")

    monkeypatch.setattr(updater, "build_index", full_disk)
    upload = _upload(tmp_path, "harbour.txt", "Harbour reopens\n\nThe harbour reopened.")
    message, *_ = ChatApp(retriever, retriever.settings).adder.add_articles([str(upload)], "")
    assert "Saved uploads/harbour.txt in the corpus, but updating the index failed" in message
    assert "will be indexed by the next update" in message
    assert (retriever.settings.corpus_dir / "uploads" / "harbour.txt").is_file()
    assert not upload.exists()  # Gradio's temporary copy is gone


def test_only_files_in_gradios_upload_folder_are_ever_deleted(tmp_path: Path) -> None:
    mine = tmp_path / "article.txt"
    mine.write_text("keep me")
    remove_uploaded([str(mine)])
    assert mine.exists()


def test_a_lock_that_is_a_folder_is_one_clear_error(tmp_path: Path, fake) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    (tmp_path / "index" / ".lock").mkdir(parents=True)
    with pytest.raises(QAError, match=r"cannot lock .* \.lock is a plain file"):
        build_index(corpus, settings=Settings(index_dir=tmp_path / "index"), embedder=fake)


def test_a_full_disk_is_one_clear_error_and_keeps_the_index(retriever: Retriever, fake,
                                                            monkeypatch) -> None:
    from qa.index import writer

    settings = retriever.settings
    before = retriever.snapshot.name

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer.faiss_index, "write", no_space)  # a new vector base...
    monkeypatch.setattr(writer.vector_store.np, "save", no_space)  # ...or the changes
    (settings.corpus_dir / "more.txt").write_text("More news\n\nA second story arrived.")
    with pytest.raises(QAError, match=r"No space left on device\) - free disk space"):
        build_index(settings.corpus_dir, settings=settings, embedder=fake)
    monkeypatch.undo()
    assert Retriever.load(settings=settings, embedder=fake).snapshot.name == before
    assert not list((settings.index_dir / "versions").glob(".tmp-*"))


def test_a_lock_file_deleted_during_a_build_is_harmless(retriever: Retriever, fake,
                                                        monkeypatch) -> None:
    settings = retriever.settings
    from qa.index import writer

    real = writer.IndexWriter.commit

    def commit(self, **kwargs):
        (settings.index_dir / ".lock").unlink()
        return real(self, **kwargs)

    monkeypatch.setattr(writer.IndexWriter, "commit", commit)
    (settings.corpus_dir / "more.txt").write_text("More news\n\nA second story arrived.")
    report = build_index(settings.corpus_dir, settings=settings, embedder=fake)
    assert report.added == ("more.txt",)


def test_the_answer_api_gives_the_lead_and_clear_errors(retriever: Retriever) -> None:
    import gradio as gr

    chat = ChatApp(retriever, retriever.settings)
    result = chat.api_answer("When is the critical minerals ministerial?", 3)
    assert result["lead"]["answer"] == "4 February" and len(result["hits"]) == 3
    with pytest.raises(gr.Error, match="k must be a whole number from 1 to 100"):
        chat.api_answer("Gor", 10**9)
