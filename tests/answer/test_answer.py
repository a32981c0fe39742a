"""Answers as the chat shows them: follow-ups, highlights, relevance, safe HTML, uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.answer.compose import answer, contextualize
from qa.web.html import answer_html
from qa.web.uploads import safe_name, save_uploads


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("and what about trade?", "what did Gor and Jaishankar discuss?",
         "and what about trade? Gor Jaishankar"),
        ("what did they say about minerals?", "When did Marco Rubio host the ministerial?",
         "what did they say about minerals? Marco Rubio"),
        # A question that names its own subject is not rewritten.
        ("what did Rubio say?", "what did Gor and Jaishankar discuss?", "what did Rubio say?"),
        ("who won the election?", "what did Gor and Jaishankar discuss?", "who won the election?"),
        # No names before: the previous content words are carried instead.
        ("and the price?", "how big is the oil output cut", "and the price? big oil output cut"),
        ("and what about trade?", None, "and what about trade?"),
    ],
)
def test_follow_up_questions_carry_the_previous_subject(question, previous, expected) -> None:
    assert contextualize(question, previous) == expected


@pytest.fixture
def indexed(tmp_path: Path, fake) -> Retriever:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "evil.txt").write_text(
        "Hackers <b>strike</b>\n\nSource: Wire\n\nThe hackers wrote <script>alert(1)</script> "
        "into the page. Police said the hackers were caught on Monday.\n")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    build_index(corpus, settings=settings, embedder=fake)
    return Retriever.load(settings=settings, embedder=fake)


def test_answer_highlights_the_most_similar_sentence(indexed: Retriever) -> None:
    result = answer(indexed, "when were the hackers caught by police", min_relevance=0.0)
    hit, highlight = result.best
    assert hit.text[highlight.start : highlight.end] == (
        "Police said the hackers were caught on Monday.")
    assert result.relevant


def test_nothing_relevant_is_said_plainly_with_nearest_passages(indexed: Retriever) -> None:
    result = answer(indexed, "sourdough bread recipe", min_relevance=0.99)
    assert not result.relevant and result.hits
    html = answer_html(result)
    assert "Nothing in these articles about “sourdough bread recipe”" in html
    assert "qa-article" in html  # nearest passages still listed


def test_article_html_is_escaped(indexed: Retriever) -> None:
    html = answer_html(answer(indexed, "hackers", min_relevance=0.0))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>strike</b>" not in html and "&lt;b&gt;strike&lt;/b&gt;" in html


def test_filters_that_match_nothing_say_so(indexed: Retriever) -> None:
    result = answer(indexed, "hackers", filters=Filters(since="2030-01-01"))
    assert result.hits == ()
    assert "with the current filters" in answer_html(result)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("../../etc/passwd.txt", "passwd.txt"), ("robot chef; rm -rf.txt", "robot-chef-rm-rf.txt"),
     (".bashrc.md", "bashrc.md"), ("C:\\Users\\x\\story.HTML", "story.html"),
     ("payload.exe", None), ("noextension", None), ("....txt", None),
     ("报告.txt", "报告.txt"), ("Über.txt", "Über.txt"), ("news (1).txt", "news-1.txt")],
)
def test_upload_names_are_made_safe(name: str, expected: str | None) -> None:
    assert safe_name(name) == expected


def test_uploads_are_validated_before_saving(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", max_upload_bytes=1000)
    good, binary, big = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    good.write_text("Title\n\nSome text.")
    binary.write_bytes(bytes(range(256)) * 3)
    big.write_text("x" * 2000)
    result = save_uploads([(good, "../good.txt"), (binary, "pic.txt"), (big, "big.txt"),
                           (good, "script.sh")], settings)
    assert result.saved == ("uploads/good.txt",)
    reasons = {s.id: s.reason for s in result.refused}
    assert "binary" in reasons["pic.txt"]
    assert "upload limit" in reasons["big.txt"]
    assert "unsupported file type" in reasons["script.sh"]
    assert sorted(p.name for p in (settings.corpus_dir / "uploads").iterdir()) == ["good.txt"]


def test_uploads_need_the_token_when_one_is_set(indexed: Retriever, tmp_path: Path) -> None:
    from qa.web.handlers import ChatApp

    settings = indexed.settings.with_(upload_token="s3cret", corpus_dir=tmp_path / "c")
    story = tmp_path / "story.txt"
    story.write_text("Title\n\nText.")
    app = ChatApp(indexed, settings)
    message, *_ = app.adder.add_articles([str(story)], "guess")
    assert "Wrong upload token" in message
    assert not (tmp_path / "c").exists()


def test_cards_name_the_other_copies_of_a_story(tmp_path: Path, fake) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    story = ("The mayor opened the new bridge over the river on Tuesday, ending years of "
             "delays. Thousands of residents walked across it in the first hour.")
    (corpus / "wire.txt").write_text(f"Bridge opens\n\n{story}")
    (corpus / "outlet.txt").write_text(f"Bridge finally opens\n\n{story} Traffic was light.")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    build_index(corpus, settings=settings, embedder=fake)
    result = answer(Retriever.load(settings=settings, embedder=fake), "mayor bridge opened",
                    min_relevance=0.0)
    assert len(result.hits) == 1
    html = answer_html(result)
    assert "also in: <code>" in html
    assert {"wire.txt", "outlet.txt"} == {result.hits[0].article_id, *result.hits[0].also_in}
