"""Reading articles: formats, metadata, and every kind of bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qa import Article, Settings, Skipped
from qa.ingest.corpus import scan

from helpers.data import SEED


def _scan(folder: Path, **overrides: object) -> dict[str, Article | Skipped]:
    return {item.id: item for item in scan(folder, Settings(**overrides))}


def test_seed_article_metadata(tmp_path: Path) -> None:
    (tmp_path / SEED.name).write_bytes(SEED.read_bytes())
    article = _scan(tmp_path)[SEED.name]
    assert isinstance(article, Article)
    assert article.date == "2026-01-30"
    assert article.source == "ANI"
    # No headline line: one is derived from the first sentence.
    assert article.title.startswith("External Affairs Minister S Jaishankar")
    assert not article.text.startswith("date")
    assert not article.text.rstrip().endswith("ANI")
    assert "\n\n\n" not in article.text


def test_headline_header_lines_and_markdown(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Title: Rates held\nSource: Reuters\nURL: https://x.example/a\nDate: 3 March 2025\n\n"
        "The central bank held rates on Tuesday.\n"
    )
    (tmp_path / "b.md").write_text("# Storm hits coast\n\nWinds of 100mph were recorded.\n")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "c.txt").write_text("Short headline\n\nBody sentence one. Two.\n")
    found = _scan(tmp_path)
    a, b, c = found["a.txt"], found["b.md"], found["nested/c.txt"]
    assert (a.title, a.source, a.url, a.date) == (
        "Rates held", "Reuters", "https://x.example/a", "2025-03-03")
    assert a.text == "The central bank held rates on Tuesday."
    assert (b.title, b.text) == ("Storm hits coast", "Winds of 100mph were recorded.")
    assert c.title == "Short headline"


def test_html_uses_extractor_metadata(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><head><title>Ignored | Site</title>"
        '<meta property="og:site_name" content="Daily Planet">'
        '<meta property="og:url" content="https://dp.example/1">'
        '<meta property="article:published_time" content="2025-03-04T10:00:00Z">'
        "</head><body><nav>Home | World | Sport</nav><article><h1>Hero saves city</h1>"
        "<p>A caped hero saved the city on Tuesday, officials said in a statement.</p>"
        "<p>The mayor thanked him at a press conference later that evening.</p>"
        "<script>alert('x')</script></article><footer>Copyright</footer></body></html>"
    )
    article = _scan(tmp_path)["page.html"]
    assert article.title == "Hero saves city"
    assert (article.date, article.source, article.url) == (
        "2025-03-04", "Daily Planet", "https://dp.example/1")
    assert "caped hero" in article.text
    assert "alert" not in article.text and "Home | World" not in article.text


def test_json_and_jsonl_records(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(
        {"headline": "Solo", "body": "Only story.", "published_at": "2024-05-06T01:02:03Z",
         "author": ["A", "B"]}))
    (tmp_path / "many.json").write_text(json.dumps(
        {"articles": [{"title": "First", "content": "One."}, {"title": "Second", "text": "Two."}]}))
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"title": "Good", "text": "Fine text.", "source": "AP", "url": "https://u"})
        + "\n{not json at all\n"
        + json.dumps({"title": "No body"}) + "\n"
        + json.dumps({"_id": "T9", "text": "Beir style.", "metadata": {"date": "1963-01-04"}})
        + "\n")
    found = _scan(tmp_path)
    assert found["one.json"].title == "Solo"
    assert found["one.json"].date == "2024-05-06"
    assert found["one.json"].author == "A, B"
    assert found["many.json#0"].title == "First" and found["many.json#1"].text == "Two."
    assert found["feed.jsonl#line 1"].source == "AP"
    assert "not valid JSON" in found["feed.jsonl#line 2"].reason
    assert "no text field" in found["feed.jsonl#line 3"].reason
    assert found["feed.jsonl#T9"].date == "1963-01-04"
    assert found["feed.jsonl#T9"].title == "Beir style"  # derived from the text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\t\n   \n", "empty file"),
        ("binary.txt", bytes(range(256)) * 64, "binary"),
        ("png.txt", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(4000), "binary"),
        ("bad.json", b'{"title": "x", "text": ', "not valid JSON"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path: Path, name: str, data: bytes,
                                             reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    item = _scan(tmp_path)[name]
    assert isinstance(item, Skipped)
    assert reason in item.reason


def test_non_utf8_text_is_decoded(tmp_path: Path) -> None:
    text = "Café owners in Zürich said prices rose — a “modest” 5% increase this year. " * 5
    (tmp_path / "latin.txt").write_bytes(("Prices\n\n" + text).encode("cp1252"))
    article = _scan(tmp_path)["latin.txt"]
    assert isinstance(article, Article)
    assert "Café owners in Zürich" in article.text
    assert "“modest”" in article.text


def test_nul_and_control_characters_are_removed(tmp_path: Path) -> None:
    (tmp_path / "ctrl.txt").write_bytes(
        b"Headline\n\nThe vote\x00 was held\x07 on Monday.\x1b And passed.\r\nNext line.")
    article = _scan(tmp_path)["ctrl.txt"]
    assert article.text == "The vote was held on Monday. And passed.\nNext line."


def test_file_over_the_cap_is_skipped_without_reading(tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    read_sizes: list[int] = []
    real_open = Path.open

    def spying_open(self, *args, **kwargs):
        fh = real_open(self, *args, **kwargs)
        read_sizes.append(self.stat().st_size)
        return fh

    monkeypatch.setattr(Path, "open", spying_open)
    item = _scan(tmp_path)["huge.txt"]
    assert "over the 20 MB limit" in item.reason
    assert read_sizes == []  # never opened


def test_symlink_outside_the_corpus_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\n\nThe password is hunter2.")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "inside.txt").write_text("Inside\n\nA normal article.")
    os.symlink(outside, corpus / "link.txt")
    os.symlink(corpus / "inside.txt", corpus / "alias.txt")
    found = _scan(corpus)
    assert "outside the corpus" in found["link.txt"].reason
    assert isinstance(found["alias.txt"], Article)  # a link inside the corpus is fine


def test_article_ids_are_relative_posix_paths(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "story.txt").write_text("Title\n\nText.")
    assert list(_scan(tmp_path)) == ["a/b/story.txt"]
