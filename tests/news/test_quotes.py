"""Who said what: quote finding, speaker attribution and name matching."""

from __future__ import annotations

import importlib.util

import pytest

from qa.news.names import find_names, same_person
from qa.news.quotes import Quote, find_quotes

from helpers.data import ROOT
from helpers.data import SEED as SAMPLE


def benchmark():
    """benchmarks/quotes.py, whose scoring the gold-set check shares."""
    spec = importlib.util.spec_from_file_location("quotes_benchmark",
                                                  ROOT / "benchmarks" / "quotes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def said(text: str) -> list[tuple[str, str, str]]:
    return [(q.speaker, q.quote, q.kind) for q in find_quotes(text)]


@pytest.mark.parametrize(("text", "speaker", "quote"), [
    ('"It is a good day," said Jane Smith.', "Jane Smith", "It is a good day"),
    ('"It is a good day," Jane Smith said.', "Jane Smith", "It is a good day"),
    ('Jane Smith said: "It is a good day."', "Jane Smith", "It is a good day."),
    ('Jane Smith said, "It is a good day."', "Jane Smith", "It is a good day."),
    ('Jane Smith told the BBC: "It is a good day."', "Jane Smith", "It is a good day."),
    ('Jane Smith said the talks were "a good start".', "Jane Smith", "a good start"),
    ('Jane Smith, a teacher, arrived. "It is a good day," she said.', "Jane Smith",
     "It is a good day"),
    ('“It is a good day,” said Jane Smith.', "Jane Smith", "It is a good day"),
    ('Jane Smith, an analyst at Acme Research, said: "Sales fell."', "Jane Smith",
     "Sales fell."),
    ('"Sales fell," Jane Smith, an analyst at Acme Research, told the BBC.', "Jane Smith",
     "Sales fell"),
    ('Prime Minister Narendra Modi said: "We are ready."', "Narendra Modi", "We are ready."),
    ('Tony Blair spoke. "I am ready," said Mr Blair.', "Tony Blair", "I am ready"),
    ('According to Jane Smith, "sales fell".', "Jane Smith", "sales fell"),
    ('Jane Smith wrote in a post: "Stay tuned."', "Jane Smith", "Stay tuned."),
    ('"Sales fell," the paper quoted chief executive Jane Smith as saying.', "Jane Smith",
     "Sales fell"),
    ('Tory leader Michael Howard sent his "warm wishes", saying: "We look ahead."',
     "Michael Howard", "We look ahead."),
])
def test_direct_quote_and_speaker(text: str, speaker: str, quote: str) -> None:
    found = [q for q in find_quotes(text) if q.kind == "direct"]
    assert [(q.speaker, q.quote) for q in found][-1] == (speaker, quote)
    for q in find_quotes(text):
        assert text[q.start:q.end] == q.quote


def test_quote_spanning_paragraphs_keeps_its_speaker() -> None:
    text = ('Mr Blair said: "I have dealt with this.\n\n'
            '"What both of us are concentrating on are the issues." The book said more.')
    found = said(text)
    assert found[:2] == [("Blair", "I have dealt with this.", "direct"),
                         ("Blair", "What both of us are concentrating on are the issues.",
                          "direct")]


def test_pronoun_prefers_the_latest_named_person() -> None:
    text = ('"Prices will rise," said Nick Ross, an editor. Ian Fogg, an analyst at '
            'Jupiter, agreed. "Apple has been hoping for this," he said.')
    assert [q[0] for q in said(text) if q[2] == "direct"] == ["Nick Ross", "Ian Fogg"]


def test_unattributed_quote_continues_the_previous_speaker() -> None:
    text = ('"We must act," Mr Letwin said. "Once again they have failed to answer."')
    assert [q[0] for q in said(text)] == ["Letwin", "Letwin"]


@pytest.mark.parametrize("text", [
    '"We must act," the prime minister said.',  # a role, not a name
    "The word \"real\" was printed in red.",  # scare quotes, nobody speaking
    'He said: "Nobody is named before me."',  # a pronoun with no antecedent
    'It is "quoted" nowhere.',
    "",
])
def test_no_speaker_no_quote(text: str) -> None:
    assert [q for q in find_quotes(text) if q.kind == "direct"] == []


def test_reported_speech() -> None:
    found = find_quotes("Former minister Frank Field MP said the prime minister should "
                        "sack Mr Brown. Public opinion would force change, she told reporters.")
    assert [(q.speaker, q.kind) for q in found][0] == ("Frank Field", "reported")
    assert "should sack Mr Brown" in found[0].quote
    found = find_quotes("According to Jane Smith, the company will close its factory.")
    assert [(q.speaker, q.quote) for q in found] == [("Jane Smith",
                                                      "the company will close its factory")]


def test_sample_article_gor_stay_tuned() -> None:
    text = SAMPLE.read_text()
    found = [q for q in find_quotes(text) if "stay tuned for much more" in q.quote]
    assert len(found) == 1
    quote = found[0]
    assert quote.speaker == "Sergio Gor" and quote.kind == "direct"
    for name in ("Gor", "Sergio Gor", "Ambassador Gor", "gor", "US Ambassador Sergio Gor"):
        assert quote.matches(name), name
    assert not quote.matches("Jaishankar") and not quote.matches("Sergio")
    assert text[quote.speaker_start:quote.speaker_end] == "Gor"


@pytest.mark.parametrize(("name", "query", "same"), [
    ("Sergio Gor", "Gor", True),
    ("Sergio Gor", "Ambassador Gor", True),
    ("Sergio Gor", "sergio gor", True),
    ("Tony Blair", "Mr Blair", True),
    ("Blair", "Tony Blair", True),
    ("Cormac Murphy O'Connor", "Cardinal O'Connor", True),
    ("Cormac Murphy O'Connor", "Murphy O'Connor", True),
    ("Tony Blair", "Cherie Blair", False),
    ("Gordon Brown", "Blair", False),
    ("Sergio Gor", "Sergio", False),
    ("Sergio Gor", "", False),
])
def test_same_person(name: str, query: str, same: bool) -> None:
    assert same_person(name, query) is same


def test_names_and_people() -> None:
    text = ("Spain coach Luis Aragones met the Middle East envoy. Mr Blair's aide, "
            "Sharron Storer, the nurse, spoke to Tony Blair.")
    names = {n.text: n.person for n in find_names(text)}
    assert names["Luis Aragones"] and names["Sharron Storer"] and names["Tony Blair"]
    assert not names["Middle East"] and not names["Blair"]  # a place; a possessive


def test_quote_is_frozen() -> None:
    quote = find_quotes('"Yes," said Jane Smith.')[0]
    assert isinstance(quote, Quote)
    with pytest.raises(AttributeError):
        quote.speaker = "Someone"  # type: ignore[misc]


def test_gold_set_precision_and_recall() -> None:
    bench = benchmark()
    gold = bench.load_gold()
    assert len(gold) >= 70
    texts = {a: bench.article_path(a).read_text() for a in {row["article"] for row in gold}}
    extracted = {a: find_quotes(t) for a, t in texts.items()}
    for split in ("tune", "report"):
        scores = bench.score([r for r in gold if r["split"] == split], extracted, texts)
        assert scores["precision"] >= 0.9, (split, scores["misses"])
        assert scores["recall"] >= 0.8, (split, scores["misses"])
