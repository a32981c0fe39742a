"""What the chat writes, without a server: the cards and their scores, the people named,
and the add-articles report (issue "A newcomer's first hour", items 5, 6 and 7)."""

from __future__ import annotations

import re

from qa.answer.result import Answer
from qa.index.report import BuildReport
from qa.ingest.corpus import Skipped
from qa.search.hits import Hit
from qa.web.html import answer_html
from qa.web.markdown import report_markdown


def _hit(article: str, score: float, text: str, at: int = 0) -> Hit:
    return Hit(text=text, score=score, article_id=article, title=f"Title of {article}",
               date=None, source=None, url=None, start=at, end=at + len(text),
               passage_id=hash((article, at)) % 10**6)


def _answer(hits: list[Hit], *, relevant: bool = True) -> Answer:
    return Answer("q", "q", tuple(hits), (None,) * len(hits), (0.58,) * len(hits), relevant)


def _scores(html: str) -> list[str]:
    return re.findall(r'class="qa-rel[^"]*"[^>]*>([^<]*)</span>', html)


def test_cards_show_the_hit_score_and_come_in_its_order() -> None:
    """The hits arrive in a news order (newest first, say); the cards follow the score
    they show, which is ``Hit.score`` - not the cosine (0.58) the chat used to show."""
    hits = [_hit("a", 0.29, "First story."), _hit("b", 0.21, "Second story."),
            _hit("c", 0.27, "Third story."), _hit("a", 0.5, "First story, more.", 40)]
    html = answer_html(_answer(hits))
    assert "0.58" not in html
    cards = re.findall(r'<div class="qa-article">.*?(?=<div class="qa-article">|$)', html)
    firsts = [float(_scores(card)[0]) for card in cards]
    assert firsts == [0.5, 0.27, 0.21]  # articles by their best passage's score
    assert [float(s) for s in _scores(cards[0])] == [0.5, 0.29]  # within one, by score too
    assert sorted(map(float, _scores(html)), reverse=True) == [0.5, 0.29, 0.27, 0.21]


def test_named_in_these_articles_lists_people_of_the_passages_shown_only() -> None:
    """The line used to list what the whole articles named ('Christmas', 'Gonna Have');
    it lists the people the passages shown name."""
    hits = [_hit("song", 0.9, "The song is called Gonna Have a No 1 This Christmas. "
                              "\"It is formulaic,\" said editor David Roberts."),
            _hit("film", 0.8, "Catalina Sandino Moreno, who took best actress, starred in "
                              "the Colombian drama Maria Full of Grace.")]
    result = _answer(hits)
    line = re.search(r'<p class="qa-facets">(.*?)</p>', answer_html(result)).group(1)
    assert line == ("Named in these articles: David Roberts (1) · "
                    "Catalina Sandino Moreno (1)")
    assert result.to_dict()["people"] == [{"name": "David Roberts", "articles": 1},
                                          {"name": "Catalina Sandino Moreno", "articles": 1}]


def test_the_add_report_lists_this_upload_and_sums_up_the_rest_in_one_line() -> None:
    """One 627-byte upload used to list 35 'skipped ... duplicate of ...' lines about
    files already in the corpus."""
    others = tuple(Skipped(f"bbc/copy-{n}.txt", f"duplicate of bbc/story-{n}.txt")
                   for n in range(35))
    report = BuildReport(added=("uploads/new.txt",), unchanged=40, skipped=others,
                         updated=("feeds/today.txt",), embedded=3, articles=42, passages=300)
    text = report_markdown(report, files=("uploads/new.txt",))
    lines = [line for line in text.splitlines() if line.strip()]
    assert "- **added** `uploads/new.txt`" in lines
    assert lines[0].startswith("1 added, 0 updated, 0 unchanged, 0 removed, 0 skipped;")
    assert "index: 42 articles, 300 passages" in lines[0]
    assert not any("copy-" in line or "today.txt" in line for line in lines)
    rest = [line for line in lines if "duplicate" in line]
    assert rest == ["Elsewhere in the corpus: 1 updated, 35 skipped (35 duplicates of "
                    "indexed articles); `qa index` lists them."]
    assert len(lines) == 3


def test_the_add_report_says_when_an_upload_changed_nothing() -> None:
    report = BuildReport(unchanged=7, articles=7, passages=30)
    text = report_markdown(report, files=("uploads/again.txt",))
    assert "- 1 unchanged: the same text is indexed already" in text.splitlines()
    assert "Elsewhere" not in text
