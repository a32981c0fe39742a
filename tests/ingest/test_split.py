"""Passages: exact spans of the article, within the model window, covering all text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import Article
from qa.embed.model import load_tokenizer
from qa.ingest.corpus import clean
from qa.ingest.split import Splitter

from helpers.data import SEED

TOKENIZER = load_tokenizer()

words = st.sampled_from(
    "the minister said talks on trade and defence were productive . ! ? U.S. Dr. "
    "supercalifragilistic 9.4bn £5m “quoted” Zürich 日本 , ;".split()
)
# Run-on "sentences" without a full stop make the splitter cut inside a sentence.
run_on = st.lists(words.filter(lambda w: w not in ".!?"), min_size=1, max_size=300)
paragraph = st.one_of(st.lists(words, min_size=1, max_size=120), run_on).map(" ".join)
texts = st.lists(paragraph, min_size=1, max_size=12).map("\n\n".join).map(clean)


def _count(text: str) -> int:
    return len(TOKENIZER.encode(text, add_special_tokens=False).ids)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, budget=st.sampled_from([16, 40, 200]), overlap=st.sampled_from([0, 1, 2]))
def test_passages_are_exact_spans_within_budget_covering_the_text(text: str, budget: int,
                                                                   overlap: int) -> None:
    if not text:
        return
    article = Article(id="a.txt", title="t", text=text)
    passages = Splitter(TOKENIZER, budget, overlap).split(article)
    assert [p.seq for p in passages] == list(range(len(passages)))
    covered = [False] * len(text)
    for p in passages:
        assert p.text == text[p.start : p.end]
        assert _count(p.text) <= budget
        # Cut between words: re-tokenised alone, a passage must not start mid-word.
        assert p.start == 0 or text[p.start - 1].isspace(), p.text[:20]
        assert p.end == len(text) or text[p.end].isspace(), p.text[-20:]
        for i in range(p.start, p.end):
            covered[i] = True
    # Every visible character is in some passage: nothing is silently dropped.
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
    starts = [p.start for p in passages]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_consecutive_passages_share_a_sentence() -> None:
    sentences = [f"Sentence number {i} talks about topic {i} at some length here."
                 for i in range(60)]
    article = Article(id="a", title="t", text=" ".join(sentences))
    passages = Splitter(TOKENIZER, 60, overlap=1).split(article)
    assert len(passages) > 3
    for before, after in zip(passages, passages[1:]):
        assert after.start < before.end  # overlap
        assert before.text.endswith(after.text[: before.end - after.start])


def test_paragraph_breaks_are_preferred() -> None:
    para = "This is one sentence of a paragraph. " * 6
    article = Article(id="a", title="t", text=clean("\n\n".join([para] * 4)))
    passages = Splitter(TOKENIZER, 100, overlap=0).split(article)
    for p in passages:
        assert p.start == 0 or article.text[p.start - 2 : p.start] == "\n\n"


def test_a_five_megabyte_line_is_split_not_truncated() -> None:
    line = ("word " * 9 + "end, ") * 100_000  # 5 MB, no newline, no full stop
    article = Article(id="big.txt", title="t", text=clean(line))
    passages = Splitter(TOKENIZER, 200, overlap=1).split(article)
    assert passages[0].start == 0 and passages[-1].end == len(article.text)
    assert max(_count(p.text) for p in passages) <= 200
    # Nothing but the spaces between words is left out (cuts fall between words).
    assert all(not article.text[a.end : b.start].strip() for a, b in zip(passages, passages[1:]))


def test_seed_article_passages_fit_the_model() -> None:
    from qa import Settings
    from qa.ingest.corpus import read_file

    (article,) = list(read_file(SEED, SEED.name, Settings()))
    passages = Splitter(TOKENIZER, 254, overlap=1).split(article)
    assert len(passages) >= 3
    assert any("defence cooperation, trade expansion" in p.text for p in passages)


@pytest.mark.parametrize("budget", [1, 15])
def test_budget_too_small_is_refused(budget: int) -> None:
    with pytest.raises(ValueError):
        Splitter(TOKENIZER, budget)
