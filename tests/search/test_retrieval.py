"""Retrieval quality with the real bundled model, on the sample article and BBC news."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa import Retriever, SentenceTransformerEmbedder, Settings, build_index
from qa.answer.compose import answer
from qa.index.versions import open_current

from helpers.data import BBC, DEV_QUESTIONS, SEED

GOR_QUESTION = "what did Gor and Jaishankar discuss?"


@pytest.fixture(scope="module")
def bbc_index(tmp_path_factory, real_embedder) -> tuple[Settings, Path]:
    """The BBC subset plus the sample article, indexed with the real model."""
    root = tmp_path_factory.mktemp("bbc")
    corpus = root / "corpus"
    shutil.copytree(BBC, corpus)
    shutil.copy(SEED, corpus / SEED.name)
    settings = Settings(index_dir=root / "index")
    build_index(corpus, settings=settings, embedder=real_embedder)
    return settings, corpus


@pytest.fixture(scope="module")
def bbc(bbc_index, real_embedder) -> Retriever:
    return Retriever.load(settings=bbc_index[0], embedder=real_embedder)


def test_sample_corpus_answers_the_gor_question(tmp_path: Path, real_embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    settings = Settings(index_dir=tmp_path / "index")
    build_index(corpus, settings=settings, embedder=real_embedder)
    top = Retriever.load(settings=settings, embedder=real_embedder).search(GOR_QUESTION)[0]
    said = "defence cooperation, trade expansion, and collaboration on critical minerals"
    assert said in top.text
    assert (top.date, top.source) == ("2026-01-30", "ANI")


def test_the_answer_leads_with_the_sentence_and_the_words_that_answer(tmp_path: Path,
                                                                       real_embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    settings = Settings(index_dir=tmp_path / "index")
    build_index(corpus, settings=settings, embedder=real_embedder)
    retriever = Retriever.load(settings=settings, embedder=real_embedder)
    talks = answer(retriever, GOR_QUESTION)
    assert talks.relevant
    assert talks.sentence.startswith("The talks covered key areas including")
    # The words are shown only when the reader is confident of them.
    assert talks.words in (None, "defence cooperation, trade expansion, and collaboration on "
                           "critical minerals")
    ministerial = answer(retriever, "When is the critical minerals ministerial?")
    assert ministerial.words == "4 February"
    assert "Critical Minerals Ministerial" in ministerial.sentence


class TorchQuestions:
    """The real embedder, but questions encoded by PyTorch fp32 (sentence-transformers),
    as before the int8 graph encoded them."""

    def __init__(self, real) -> None:
        self.real = real
        self.name, self.fingerprint, self.dim = real.name, real.fingerprint, real.dim
        self.max_tokens, self.tokenizer = real.max_tokens, real.tokenizer

    def embed_documents(self, texts):
        return self.real.embed_documents(texts)

    def embed_query(self, text):
        return self.real.model.encode([text], normalize_embeddings=True)[0]


def test_int8_questions_find_what_pytorch_fp32_questions_find(bbc_index, tmp_path: Path,
                                                               real_embedder) -> None:
    """On an index built with PyTorch, questions encoded by the int8 graph (the product)
    and by PyTorch fp32 find the answering passage in the top 5 alike, lead with the same
    passage, and share at least 4 of their 5 passages, for every dev question. (The
    int8 vector is within cosine 0.99 of fp32, which can swap near-ties at rank 5.)"""
    built = SentenceTransformerEmbedder(Settings(backend="torch"))
    settings = Settings(index_dir=tmp_path / "index")
    build_index(bbc_index[1], settings=settings, embedder=built)
    assert open_current(settings.index_dir).manifest["identity"]["encoder"].startswith("torch")
    bbc = Retriever.load(settings=settings, embedder=real_embedder)
    torch_questions = Retriever.load(settings=settings, embedder=TorchQuestions(built))
    for line in DEV_QUESTIONS.read_text().splitlines():
        q = json.loads(line)
        ours, theirs = bbc.search(q["question"], k=5), torch_questions.search(q["question"], k=5)

        found = [any(h.article_id == q["article"] and q["answer"] in h.text for h in hits)
                 for hits in (ours, theirs)]
        assert found[0] == found[1], q["question"]
        assert ours[0].passage_id == theirs[0].passage_id, q["question"]
        shared = {h.passage_id for h in ours} & {h.passage_id for h in theirs}
        assert len(shared) >= 4, q["question"]


def test_pocket_hard_drive_question(bbc: Retriever) -> None:
    hits = bbc.search("Which company made the award-winning pocket hard drive shown in Las Vegas?")
    assert hits[0].article_id == "tech/gadgets-galore-on-show-at-fair.txt"


def test_gor_question_on_the_large_corpus(bbc: Retriever) -> None:
    assert "defence cooperation" in bbc.search(GOR_QUESTION)[0].text


def test_dev_questions_hit_at_5(bbc: Retriever) -> None:
    questions = [json.loads(line) for line in
                 DEV_QUESTIONS.read_text().splitlines()]
    hits_at_5 = sum(
        any(h.article_id == q["article"] and q["answer"] in h.text
            for h in bbc.search(q["question"], k=5))
        for q in questions
    )
    assert hits_at_5 / len(questions) >= 0.9


def test_rebuild_of_unchanged_corpus_embeds_nothing_and_one_article_embeds_its_passages(
        bbc_index, real_embedder) -> None:
    settings, corpus = bbc_index
    assert build_index(corpus, settings=settings, embedder=real_embedder).embedded == 0
    (corpus / "new.txt").write_text(
        "Robot chef opens restaurant\n\nA robot chef opened a noodle bar in Leeds on Friday. "
        "Diners said the noodles were excellent.")
    report = build_index(corpus, settings=settings, embedder=real_embedder)
    assert report.added == ("new.txt",) and report.embedded == 1
    hits = Retriever.load(settings=settings, embedder=real_embedder).search(
        "where did the robot chef open a restaurant?")
    assert hits[0].article_id == "new.txt"
