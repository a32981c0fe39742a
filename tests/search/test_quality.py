"""One result per story, and date/source filters, through the API and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.ingest.near_duplicates import near_duplicates, same_story

STORY = (
    "Storm closes harbour\n\n"
    "date {date}\n"
    "A winter storm closed the harbour at Port Ellis on Monday, stranding forty fishing "
    "boats and their crews. The harbour master said waves of six metres had damaged the "
    "northern breakwater. Repairs are expected to take three weeks and cost about two "
    "million pounds, according to the council. Ferry services to the islands were "
    "cancelled until Thursday. {edit}"
)


def write(folder: Path, name: str, title: str, body: str, *, date: str, source: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"Title: {title}\ndate {date}\nsource: {source}\n\n{body}\n")


@pytest.fixture
def news(settings: Settings, fake) -> Retriever:
    """One wire story saved three times with small edits, and five other articles."""
    corpus = settings.corpus_dir
    body = STORY.split("\n\n", 1)[1].split("\n", 1)[1]
    for name, source, edit in (
        ("wire.txt", "Wire", "Fishermen called for a new sea wall."),
        ("gazette.txt", "Gazette", "Local fishermen called for a new sea wall."),
        ("courier.txt", "Courier",
         "Fishermen have called for a new sea wall, the Courier understands."),
    ):
        write(corpus, name, "Storm closes harbour", body.format(edit=edit),
              date="2024-01-08", source=source)
    others = [
        ("budget.txt", "Council sets budget", "The council approved its budget for schools "
         "and roads on Tuesday after a long debate about library funding.", "2024-02-01",
         "Gazette"),
        ("cup.txt", "Rovers win the cup", "Rovers beat United two goals to one in the cup "
         "final, with a late header from their captain.", "2024-03-15", "Courier"),
        ("rail.txt", "New rail timetable", "A new rail timetable adds hourly trains to the "
         "city from May, the operator announced.", "2024-04-20", "Wire"),
        ("school.txt", "School opens", "A new primary school opened in the east of the town "
         "with places for three hundred pupils.", "2024-05-02", "Gazette"),
        ("fair.txt", "Summer fair returns", "The summer fair returns to the park with rides, "
         "music and a food market over the bank holiday.", "2024-06-30", "Courier"),
    ]
    for name, title, text, date, source in others:
        write(corpus, name, title, text, date=date, source=source)
    report = build_index(corpus, settings=settings, embedder=fake)
    assert len(report.added) == 8
    pytest.report = report  # type: ignore[attr-defined]
    return Retriever.load(settings=settings, embedder=fake)


def test_same_story_under_three_names_is_one_hit_naming_the_other_two(news: Retriever) -> None:
    hits = news.search("storm closed the harbour and damaged the breakwater", k=3)
    storm = [h for h in hits if "harbour" in h.text]
    assert len(storm) == 1
    copies = {storm[0].article_id, *storm[0].also_in}
    assert copies == {"wire.txt", "gazette.txt", "courier.txt"}
    assert storm[0].article_id not in storm[0].also_in
    assert len(hits) == 3  # folding copies did not cost results: other articles fill k
    assert storm[0].to_dict()["also_in"] == list(storm[0].also_in)


def test_build_reports_near_duplicates(news: Retriever) -> None:
    report = pytest.report  # type: ignore[attr-defined]
    found = {(d.id, d.of) for d in report.near_duplicates}
    assert found == {("gazette.txt", "courier.txt"), ("wire.txt", "courier.txt")}
    assert report.to_dict()["near_duplicates"][0]["of"] == "courier.txt"


def test_a_later_build_finds_a_new_copy_shingling_only_the_new_article(
        news: Retriever, fake, monkeypatch) -> None:
    """Signatures are stored per article: adding one article shingles that one, not the
    archive, and a copy of an indexed story is still reported."""
    import qa.index.build

    settings = news.settings
    body = STORY.split("\n\n", 1)[1].split("\n", 1)[1]
    write(settings.corpus_dir, "herald.txt", "Storm closes harbour",
          body.format(edit="Fishermen called for a sea wall."), date="2024-01-09",
          source="Herald")
    computed: list[str] = []
    real = qa.index.build.signature
    monkeypatch.setattr(qa.index.build, "signature",
                        lambda text: computed.append(text) or real(text))
    report = build_index(settings.corpus_dir, settings=settings, embedder=fake)
    assert len(computed) == 1 and "sea wall" in computed[0]
    assert ("herald.txt", "courier.txt") in {(d.id, d.of) for d in report.near_duplicates}


def test_collapse_can_be_turned_off(news: Retriever) -> None:
    hits = news.search("storm closed the harbour", k=3, collapse=False)
    assert {h.article_id for h in hits} == {"wire.txt", "gazette.txt", "courier.txt"}
    assert all(h.also_in == () for h in hits)


def test_near_duplicate_detection_keeps_different_stories_apart() -> None:
    a = STORY.format(date="2024-01-08", edit="")
    b = a.replace("forty", "forty-one").replace("Monday", "Tuesday")
    other = "Rovers beat United two goals to one in the cup final on Saturday evening."
    assert same_story(a, b) and not same_story(a, other)
    assert [(d.id, d.of) for d in near_duplicates([("a", a), ("x", other), ("b", b)])] == [
        ("b", "a")]
    assert near_duplicates([("a", a)]) == [] and not same_story("", "")


# -- filters ------------------------------------------------------------------------------
def test_source_filter_returns_only_that_source(news: Retriever) -> None:
    hits = news.search("council budget school rail trains", k=10,
                       filters=Filters(source="gazette"))
    assert hits and {h.source for h in hits} == {"Gazette"}


def test_date_range_is_inclusive_and_applied_before_ranking(news: Retriever) -> None:
    hits = news.search("storm harbour", k=10,
                       filters=Filters(since="2024-03-15", until="2024-05-02"))
    assert {h.article_id for h in hits} == {"cup.txt", "rail.txt", "school.txt"}
    assert news.search("storm harbour", k=10, filters=Filters(until="2023-12-31")) == []


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_filter_returns_every_matching_passage_when_k_is_large(news: Retriever,
                                                               mode: str) -> None:
    # "sea wall" appears only in the storm copies: a filter must not lose the others
    # just because they rank low (dense ranks every allowed passage).
    hits = news.search("anything at all about the town", k=50,
                       filters=Filters(mode=mode, since="2024-02-01"),  # type: ignore[arg-type]
                       collapse=False)
    expected = {"budget.txt", "cup.txt", "rail.txt", "school.txt", "fair.txt"}
    if mode == "bm25":  # keyword search returns only passages sharing a word
        assert {h.article_id for h in hits} <= expected
    else:
        assert {h.article_id for h in hits} == expected
        assert len(hits) == 5


def test_bad_date_is_a_clear_error(news: Retriever) -> None:
    with pytest.raises(ValueError, match="not a date"):
        news.search("storm", filters=Filters(since="soon-ish"))


def test_cli_filters_and_also_in(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    body = STORY.split("\n\n", 1)[1].split("\n", 1)[1]
    for name, source, edit in (("wire.txt", "Wire", "Fishermen want a sea wall."),
                               ("gazette.txt", "Gazette", "Local fishermen want a sea wall.")):
        write(corpus, name, "Storm closes harbour", body.format(edit=edit),
              date="2024-01-08", source=source)
    write(corpus, "rail.txt", "New rail timetable", "A new rail timetable adds hourly "
          "trains from May.", date="2024-04-20", source="Wire")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}

    def qa(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "qa", *args, ], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)

    built = qa("index", "corpus", "-q")
    assert built.returncode == 0, built.stderr
    assert "near-dup wire.txt: same story as gazette.txt" in built.stdout
    shown = qa("ask", "storm closed the harbour", "-k", "2")
    first = "wire.txt" if "· wire.txt\n" in shown.stdout else "gazette.txt"
    other = ({"wire.txt", "gazette.txt"} - {first}).pop()
    assert f"also in: {other}" in shown.stdout
    ranked = [line for line in shown.stdout.splitlines() if line[:1].isdigit()]
    assert sum("Storm closes harbour" in line for line in ranked) == 1  # one hit, not two
    by_source = json.loads(qa("ask", "storm harbour trains", "--source", "wire", "--json",
                              "-k", "10", "--mode", "dense").stdout)["hits"]
    assert {h["article_id"] for h in by_source} == {"wire.txt", "rail.txt"}
    by_date = json.loads(qa("ask", "storm harbour trains", "--since", "2024-04-01",
                            "--json").stdout)["hits"]
    assert [h["article_id"] for h in by_date] == ["rail.txt"]
    assert by_date[0]["also_in"] == []
