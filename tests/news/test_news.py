"""News questions through the index: dates read from questions and resolved in articles,
who said what, timelines and people (real model; sample article and TIME 1963 subset)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import Filters, Retriever, Settings, build_index
from qa.answer.compose import answer
from qa.cli import main

from helpers.data import SEED, TIME_BEIR

TUNNEL = ("Harbour tunnel {stage}\n\nThe harbour tunnel between Northport and the old town "
          "{news}. Engineers from the city council said the boring machine {machine}.")


@pytest.fixture(scope="module")
def news(tmp_path_factory, real_embedder) -> Retriever:
    """The sample article and three dated stories of one project."""
    home = tmp_path_factory.mktemp("news")
    corpus = home / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    stories = [("2025-03-04", "approved", "was approved by the council on Monday",
                "will arrive in the summer"),
               ("2025-07-15", "boring starts", "began to take shape in July",
                "started cutting on Tuesday"),
               ("2025-11-20", "breakthrough", "broke through under the harbour",
                "reached the far side last week")]
    for day, stage, what, machine in stories:
        (corpus / f"{day}-tunnel.txt").write_text(
            f"date {day}\n" + TUNNEL.format(stage=stage, news=what, machine=machine))
    settings = Settings(index_dir=home / "index", corpus_dir=corpus)
    build_index(corpus, settings=settings, embedder=real_embedder)
    return Retriever.load(settings=settings, embedder=real_embedder)


def test_what_did_gor_say_leads_with_his_quote(news: Retriever) -> None:
    result = answer(news, "What did Gor say?")
    assert "stay tuned for much more" in result.sentence
    assert result.words == "stay tuned for much more"
    assert result.speaker == "Sergio Gor" and result.understood == "Quotes of Sergio Gor"
    for asked in ("What did Sergio Gor say?", "What did Ambassador Gor say?"):
        assert answer(news, asked).speaker == "Sergio Gor"
    about = answer(news, "What did Jaishankar say about Gor?")
    assert about.speaker == "S Jaishankar" and "meeting Gor" in about.sentence
    # A speaker nobody quoted: an ordinary answer, no invented quote.
    assert answer(news, "What did Napoleon say?").speaker is None


def test_qa_quotes_lists_a_speakers_quotes(news: Retriever, monkeypatch) -> None:
    monkeypatch.setenv("QA_INDEX", str(news.settings.index_dir))
    out = CliRunner().invoke(main, ["quotes", "Ambassador Gor"])
    assert out.exit_code == 0, out.output
    assert "Sergio Gor (2026-01-30, 2026-01-30-jaishankar-gor.txt): “stay tuned for much more”" \
        in out.output
    missing = CliRunner().invoke(main, ["quotes", "Napoleon"])
    assert missing.exit_code == 1 and "no quotes of 'Napoleon'" in missing.output


def test_the_samples_relative_dates_are_resolved_at_ingest(news: Retriever) -> None:
    snap = news.snapshot
    with snap.lock:
        named = {text: (since, until) for text, since, until in snap.db.execute(
            "SELECT text, since, until FROM mentions WHERE article_id = ?", (SEED.name,))}
    assert named["25 January"] == ("2026-01-25", "2026-01-25")  # a Sunday
    assert named["Thursday, 29 January 2026"] == ("2026-01-29", "2026-01-29")
    when = answer(news, "When did Jaishankar meet the US congressional delegation?")
    assert when.shown_words == "Sunday (25 January 2026)"
    assert when.to_dict()["lead"]["resolved"] == "Sunday (25 January 2026)"


def test_a_date_in_the_question_finds_the_article_naming_that_day(news: Retriever) -> None:
    # Published on 30 January, the sample names 25 January: a date question finds it.
    result = answer(news, "Who did Jaishankar meet on 25 January?", as_of="2026-02-01")
    assert result.understood == "Articles from 25 January 2026"
    assert result.hits and all(h.article_id == SEED.name for h in result.hits)


def test_time_words_become_a_range_and_leave_the_search_text(news: Retriever) -> None:
    july = answer(news, "What happened with the harbour tunnel in July?", as_of="2025-12-01")
    assert july.understood == "Articles from July 2025"
    assert july.hits[0].date == "2025-07-15"
    spring = answer(news, "What happened with the harbour tunnel before April 2025?",
                    as_of="2025-12-01")
    assert [h.date for h in spring.hits] == ["2025-03-04"]
    latest = answer(news, "What is the latest on the harbour tunnel?", as_of="2025-12-01")
    assert latest.understood == "Latest articles" and latest.hits[0].date == "2025-11-20"


def test_a_question_without_time_words_is_searched_as_before(news: Retriever) -> None:
    for question in ("What did the council approve for the harbour?",
                     "What did Gor and Jaishankar discuss?"):
        on, off = answer(news, question), answer(news, question, dates=False)
        assert on.understood is None
        assert [h.passage_id for h in on.hits] == [h.passage_id for h in off.hits]
        assert on.sentence == off.sentence


def test_a_time_with_nothing_in_it_says_so_and_searches_all_dates(news: Retriever) -> None:
    result = answer(news, "What happened with the harbour tunnel in 1990?", as_of="2025-12-01")
    assert result.understood == "Articles from 1990: none found, so articles of any date"
    assert result.hits


def test_the_timeline_lists_the_story_oldest_first(news: Retriever) -> None:
    result = answer(news, "How did the harbour tunnel project unfold?")
    assert result.timeline_asked
    days = [e.date for e in result.timeline()]
    assert days[:3] == ["2025-03-04", "2025-07-15", "2025-11-20"]
    assert result.to_dict()["timeline"][0]["title"] == "Harbour tunnel approved"


def test_the_buddhist_crisis_timeline_on_time_1963(real_embedder, tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    build_index(TIME_BEIR, settings=settings.with_(corpus_dir=TIME_BEIR), embedder=real_embedder)
    retriever = Retriever.load(settings=settings, embedder=real_embedder)
    result = answer(retriever, "How did the Buddhist crisis in South Viet Nam unfold?")
    entries = result.timeline()
    days = [e.date for e in entries]
    assert days == sorted(days) and len(set(days)) >= 4
    story = {"T320", "T334", "T363", "T390", "T396", "T414", "T418", "T434"}
    shown = {e.article_id.split("#")[-1] for e in entries}
    assert len(shown & story) >= 4, shown


def test_people_are_extracted_offered_and_filter_the_search(news: Retriever) -> None:
    people = news.snapshot.top_entities("person", limit=50)
    assert {"Sergio Gor", "S Jaishankar", "Marco Rubio"} <= set(people)
    hits = news.search("meeting", k=10, filters=Filters(person="Rubio"))
    assert hits and {h.article_id for h in hits} == {SEED.name}
    assert news.search("meeting", k=10, filters=Filters(person="Nobody Atall")) == []
    result = answer(news, "What did Gor and Jaishankar discuss?")
    assert "Sergio Gor" in dict(result.people)


def test_the_cli_prints_what_it_understood_and_a_timeline(news: Retriever, monkeypatch) -> None:
    monkeypatch.setenv("QA_INDEX", str(news.settings.index_dir))
    out = CliRunner().invoke(main, ["ask", "harbour tunnel news in November 2025", "-k", "2",
                                    "--as-of", "2025-12-01"]).output
    assert out.startswith("(Articles from November 2025)")
    timeline = CliRunner().invoke(main, ["ask", "harbour tunnel boring machine", "--timeline"])
    lines = timeline.output.splitlines()
    order = [line for line in lines if line[:4] == "2025"]
    assert order == sorted(order) and len(order) == 3
    as_json = json.loads(CliRunner().invoke(main, ["ask", "What did Gor say?", "--json"]).output)
    assert as_json["speaker"] == "Sergio Gor" and as_json["lead"]["answer"]
    bad = CliRunner().invoke(main, ["ask", "tunnel", "--as-of", "yesterday"])
    assert bad.exit_code == 1 and "as_of must be a date as YYYY-MM-DD" in bad.output


def test_a_question_naming_two_people_prefers_passages_naming_both() -> None:
    from datetime import date

    from qa.news.intent import read_question
    from qa.search.hits import Hit
    from qa.search.news_order import naming_all

    def hit(text: str, score: float) -> Hit:
        return Hit(text, score, "a.txt", "T", None, None, None, 0, len(text), int(score * 100))

    hits = [hit("Gor spoke about trade.", 1.0), hit("Gor and Jaishankar discussed trade.", 0.9),
            hit("Jaishankar and Gor met once.", 0.5)]
    names = read_question("What did Gor and Jaishankar discuss?", date(2026, 2, 1)).people
    assert names == ("gor", "jaishankar")
    ordered = naming_all(hits, names, 0.8)
    # Among the relevant (within 80% of the best), the passage naming both leads; a weak
    # passage naming both does not jump over relevance.
    assert [h.score for h in ordered] == [0.9, 1.0, 0.5]
    assert naming_all(hits, ("gor",), 0.8) == hits  # one name: nothing changes


def test_a_period_shows_its_other_articles_before_one_articles_third_passage() -> None:
    from qa.search.hits import Hit
    from qa.search.news_order import published_first

    def hit(article: str, day: str | None, score: float) -> Hit:
        return Hit(f"{article} {score}", score, article, "T", day, None, None, 0, 9,
                   int(score * 100))

    hits = [hit("long", "1963-11-08", 0.99), hit("long", "1963-11-08", 0.95),
            hit("recalls", "1963-12-06", 0.94), hit("long", "1963-11-08", 0.9),
            hit("long", "1963-11-08", 0.85), hit("other", "1963-11-15", 0.8),
            hit("undated", None, 0.7), hit("other", "1963-11-15", 0.6)]
    ordered = published_first(hits, "1963-11-01", "1963-11-30", per_article=2)
    # Two passages of the long article, then the period's other article, then the long
    # article's remaining passages; passages only naming the period come next, and the
    # undated one, scoring below the dated ones, last.
    assert [h.score for h in ordered] == [0.99, 0.95, 0.8, 0.6, 0.9, 0.85, 0.94, 0.7]
    plain = published_first(hits, "1963-11-01", "1963-11-30")  # no limit: score order
    assert [h.score for h in plain] == [0.99, 0.95, 0.9, 0.85, 0.8, 0.6, 0.94, 0.7]
    # An undated passage scoring above every dated one may be of the period: it leads.
    first = published_first([hit("undated", None, 1.2), *hits], "1963-11-01", "1963-11-30")
    assert [h.score for h in first][:2] == [1.2, 0.99] and first[-1].score == 0.7


def test_time_words_keep_undated_articles_where_the_answer_may_be(
        real_embedder, tmp_path: Path) -> None:
    """Files without a date (the BBC set has none) are not dropped by a question's "this
    year": only the sample article is dated this year, and it does not answer."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "britannia.txt").write_text(
        "Britannia members to share windfall\n\nBritannia Building Society customers will "
        "share this year's profit payout of 42m pounds. To qualify, members must have held "
        "their accounts for two years by 31 December 2004, the society said.")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    build_index(corpus, settings=settings, embedder=real_embedder)
    retriever = Retriever.load(settings=settings, embedder=real_embedder)
    result = answer(retriever, "By what date must Britannia customers have held their "
                    "accounts to qualify for this year's payout?", as_of="2026-12-04")
    assert result.understood == "Articles from 1 January to 4 December 2026, and undated ones"
    assert result.hits[0].article_id == "britannia.txt"
    assert "31 December 2004" in result.sentence
    # A question only about a period still needs an article published in it.
    assert not answer(retriever, "What happened in February 2005?",
                      as_of="2026-12-04").relevant
