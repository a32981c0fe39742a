"""The reader on fixed sentences: what each question asks for, which words supply it,
and which sentence leads."""

from __future__ import annotations

import pytest

from qa.answer import reader_model
from qa.answer.answer_types import answer_spans, focus, question_kind
from qa.answer.reader import read, sentences
from qa.index.keyword.bm25 import Lexical

SENTENCES = {
    "who": ("Who hosts the Critical Minerals Ministerial?",
            "The inaugural Critical Minerals Ministerial is hosted by US Secretary of State "
            "Marco Rubio on 4 February.", "Marco Rubio"),
    "when": ("When is the critical minerals ministerial?",
             "The Critical Minerals Ministerial is hosted by Marco Rubio on 4 February.",
             "4 February"),
    "where": ("In which city would Volkswagen build its plant?",
              "The plant would be set up in Visakhapatnam on India's eastern coast.",
              "Visakhapatnam"),
    "how_many": ("How many shares were offered in the IPO?",
                 "The IPO for 17.3 million shares sold out within 10 minutes.", "17.3 million"),
    "how_much": ("How much did Baikal pay for the unit?",
                 "Baikal paid $9.4bn for the unit at an auction in December.", "$9.4bn"),
    "which": ("Which magistrate granted the restraining order?",
              "Magistrate Lee Gilmore issued the order at Waverley Local Court.", "Lee Gilmore"),
    "why": ("Why was the London show scrapped?",
            "A plan to hold it in London was scrapped because of problems finding a venue.",
            "problems finding a venue"),
    "what_topic": ("What did Gor and Jaishankar discuss?",
                   "The talks covered key areas including defence cooperation, trade "
                   "expansion, and collaboration on critical minerals.",
                   "defence cooperation, trade expansion, and collaboration on critical "
                   "minerals"),
}


@pytest.mark.parametrize("kind", sorted(SENTENCES))
def test_each_answer_type_is_read_and_its_words_found(kind: str) -> None:
    question, sentence, words = SENTENCES[kind]
    assert question_kind(question) == kind
    first = answer_spans(question, sentence)[0]
    assert words in sentence[first.start : first.end]


@pytest.mark.parametrize(("question", "kind"), [
    ("Why did Cunningham ban beef on the bone when he was minister?", "why"),
    ("What was the band first called when it formed?", "which"),  # a name, not a date
    ("What happened to Yukos?", "what"),
    ("To what level do campaigners want the pension raised?", "how_much"),
    ("What subjects did the meeting cover?", "what_topic"),
])
def test_the_earliest_question_word_decides(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_the_questions_own_names_are_no_answer() -> None:
    assert answer_spans("Who did Sergio Gor meet?", "Sergio Gor met them.") == []
    spans = answer_spans("Who hosts the Critical Minerals Ministerial?",
                         SENTENCES["who"][1])
    named = [SENTENCES["who"][1][s.start : s.end] for s in spans]
    assert "Critical Minerals Ministerial" not in named
    assert "Marco Rubio" in named[0]  # the one with none of the question's words leads


def test_a_question_without_a_type_marks_no_words() -> None:
    question = "What happened to Yukos?"
    assert answer_spans(question, "Yukos was sold to Baikal in December 2004.") == []


def test_the_noun_asked_about() -> None:
    assert focus("Which magistrate granted the order?") == "magistrate"
    assert focus("How many shares were offered?") == "share"
    assert focus("Who won?") is None


def test_the_answering_sentence_leads_over_one_repeating_the_question() -> None:
    passages = [
        "In a post on X, Jaishankar noted his pleasure in meeting Gor and welcomed him. "
        "The talks covered key areas including defence cooperation, trade expansion, and "
        "collaboration on critical minerals. Both sides hope to meet again.",
        "Gor arrived in New Delhi earlier this month. He met Jaishankar and other officials.",
    ]
    lexical = Lexical.build([1, 2], passages)
    readings = read("What did Gor and Jaishankar discuss?", passages, [0, 0], [0.6, 0.5],
                    lexical, reader_model.shared())
    lead = max((r for r in readings if r), key=lambda r: r.score)
    text = passages[lead.hit]
    assert text[lead.start : lead.end].startswith("The talks covered")
    # Answer words are shown only when the reader is confident of them.
    assert lead.answer is None or text[lead.answer[0] : lead.answer[1]].startswith("defence")
    assert 0.0 < lead.score < 1.0


def _lead(question: str, passage: str):
    readings = read(question, [passage], [0], [0.6], Lexical.build([1], [passage]),
                    reader_model.shared())
    return readings[0]


def test_an_amount_keeps_the_words_that_qualify_it() -> None:
    passage = ("Despite the ministers' call for a boycott, more than 5,500 tickets had been "
               "sold for the concert in Jonesboro. The singer will play on Friday.")
    lead = _lead("How many tickets had been sold for the concert?", passage)
    assert lead is not None and lead.answer is not None
    assert passage[lead.answer[0] : lead.answer[1]] == "more than 5,500"


def test_a_share_is_never_shown_as_a_count() -> None:
    passage = "The number of people out of work in Germany rose to 10.8% in December."
    question = "How many people were out of work in Germany in December?"
    # The network marks "10.8%" as the answer words, and is sure of them...
    (only,) = sentences(question, [passage], [0], [0.6], Lexical.build([1], [passage]),
                        reader_model.shared())
    assert only.words is not None and passage[only.words[0] : only.words[1]] == "10.8%"
    assert only.words_probability > 0.5
    # ...but a share is no count: the sentence leads without answer words.
    lead = _lead(question, passage)
    assert lead is not None and lead.answer is None
