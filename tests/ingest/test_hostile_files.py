"""Hostile and careless input (issue 12): no file aborts a build, nothing is lost
silently, no corpus makes a build quadratic, names cannot forge report lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa import Article, Settings, Skipped, build_index
from qa.errors import EmptyCorpus
from qa.ingest.corpus import scan

from helpers.data import ROOT

GOOD = "Harbour reopens\n\nThe harbour reopened on Monday after the storm, officials said.\n"


def _scan(folder: Path, **overrides: object) -> dict[str, Article | Skipped]:
    return {item.id: item for item in scan(folder, Settings(**overrides))}


def _reasons(report) -> dict[str, str]:
    return {s.id: s.reason for s in report.skipped}


# -- item 6: one bad file never aborts a build ---------------------------------------------
def test_parser_bombs_are_skipped_and_the_build_goes_on(settings: Settings, fake) -> None:
    corpus = settings.corpus_dir
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    (corpus / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (corpus / "deep.jsonl").write_text(
        '{"id": "ok", "text": "A fine record about the harbour storm."}\n'
        + "[" * 100_000 + "]" * 100_000 + "\n")
    (corpus / "bigint.json").write_text('{"text": "Story", "views": ' + "9" * 5000 + "}")
    report = build_index(corpus, settings=settings, embedder=fake)
    reasons = _reasons(report)
    assert set(report.added) == {"good.txt", "deep.jsonl#ok"}
    assert "nested too deeply" in reasons["deep.json"]
    assert "nested too deeply" in reasons["deep.jsonl#line 2"]
    assert "number too long" in reasons["bigint.json"]


def test_a_file_name_that_is_not_utf8_is_skipped(settings: Settings, fake) -> None:
    corpus = settings.corpus_dir
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    fd = os.open(os.path.join(os.fsencode(corpus), b"caf\xe9.txt"), os.O_WRONLY | os.O_CREAT)
    os.write(fd, GOOD.encode())
    os.close(fd)
    report = build_index(corpus, settings=settings, embedder=fake)
    assert report.added == ("good.txt",)
    assert _reasons(report) == {"caf\\xe9.txt": "file name is not valid UTF-8"}
    report.summary()  # printable


def test_a_punctuation_only_corpus_is_an_empty_corpus_not_a_crash(settings: Settings,
                                                                  fake) -> None:
    corpus = settings.corpus_dir
    corpus.mkdir()
    (corpus / "dots.txt").write_text("!!! ... ???\n--- *** ;;; ...\n")
    with pytest.raises(EmptyCorpus):
        build_index(corpus, settings=settings, embedder=fake)
    (corpus / "good.txt").write_text(GOOD)
    report = build_index(corpus, settings=settings, embedder=fake)
    assert report.added == ("good.txt",)
    assert "no words" in _reasons(report)["dots.txt"]


def test_keyword_index_takes_passages_without_a_single_keyword() -> None:
    from qa.index.keyword.bm25 import Lexical

    lexical = Lexical.build([1, 2], ["a b c", "the and of"])  # no token bm25s keeps
    assert lexical.scores("harbour") is None


def test_html_extractor_dependency_is_declared() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"lxml_html_clean' in pyproject  # trafilatura fails to import without it


def test_anything_unexpected_while_parsing_skips_only_that_file(settings: Settings, fake,
                                                                monkeypatch) -> None:
    import qa.ingest.formats

    real = qa.ingest.formats._html

    def broken(text: str):
        raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")
        yield from real(text)

    monkeypatch.setattr(qa.ingest.formats, "_html", broken)
    corpus = settings.corpus_dir
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    (corpus / "page.html").write_text("<html><body><p>Hello there.</p></body></html>")
    report = build_index(corpus, settings=settings, embedder=fake)
    assert report.added == ("good.txt",)
    assert "could not be parsed (ImportError: lxml.html.clean" in _reasons(report)["page.html"]


# -- item 7: the near-duplicate scan is near-linear ----------------------------------------
def _blurbs(n: int) -> list[tuple[str, str]]:
    """Short records from one template, differing by a number: shingle overlap ~0.5, so
    they meet in many minhash buckets without being the same story."""
    import random

    rng = random.Random(0)
    cities = ["Leeds", "Cardiff", "Derby", "York", "Bath", "Hull", "Perth", "Truro"]
    return [(f"r{i:05d}", f"Police in {rng.choice(cities)} said {rng.randint(1, 10**6)} people "
             "were hurt in a fire on Monday evening near the old railway station.")
            for i in range(n)]


@pytest.fixture
def comparisons(monkeypatch) -> list[int]:
    """Counts the near-duplicate scan's pair comparisons (one entry per comparison)."""
    import qa.ingest.near_duplicates

    calls: list[int] = []
    real = qa.ingest.near_duplicates.jaccard

    def counting(a: frozenset[int], b: frozenset[int]) -> float:
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(qa.ingest.near_duplicates, "jaccard", counting)
    return calls


def test_near_duplicate_scan_compares_a_bounded_number_of_pairs(comparisons) -> None:
    import qa.ingest.near_duplicates

    records = _blurbs(1500)
    copy = records[0][1].replace("station.", "depot.")  # a real near-duplicate of r00000
    found = qa.ingest.near_duplicates.near_duplicates([*records, ("zcopy", copy)])
    assert ("zcopy", "r00000") in {(d.id, d.of) for d in found}
    assert len(comparisons) <= 20 * len(records)  # was ~890,000: every pair in a bucket


def test_near_duplicate_work_per_build_is_capped(comparisons, monkeypatch) -> None:
    import qa.ingest.near_duplicates

    monkeypatch.setattr(qa.ingest.near_duplicates, "MAX_COMPARISONS", 100)
    qa.ingest.near_duplicates.near_duplicates(_blurbs(500))
    assert len(comparisons) <= 100


# -- item 9: dates are whole periods, and only real dates are kept -------------------------
@pytest.mark.parametrize(
    ("value", "first", "last"),
    [("2024", "2024-01-01", "2024-12-31"), ("2024-03", "2024-03-01", "2024-03-31"),
     ("2024-02", "2024-02-01", "2024-02-29"), ("2023-02", "2023-02-01", "2023-02-28"),
     ("2024-03-15", "2024-03-15", "2024-03-15"), ("  2024-12 ", "2024-12-01", "2024-12-31")],
)
def test_a_filter_date_is_a_whole_period(value: str, first: str, last: str) -> None:
    from qa.news.periods import period

    assert period(value) == (first, last)


@pytest.mark.parametrize("value", ["1", "March", "10:30", "2024-13", "2024-02-30", "24-03-01",
                                   "2024/03/01", "2024-3", "", "  ", "soon-ish", "0000",
                                   "2024-03-15T10:00", "１２３４"])
def test_anything_else_is_refused_with_the_accepted_forms(value: str) -> None:
    from qa.news.periods import period

    with pytest.raises(ValueError, match=r"not a date: .* - use YYYY, YYYY-MM or YYYY-MM-DD"):
        period(value)


# -- item 8: nothing is lost silently -------------------------------------------------------
def test_a_repeated_record_id_keeps_the_first_and_says_so(settings: Settings, fake) -> None:
    import json

    corpus = settings.corpus_dir
    corpus.mkdir()
    records = [{"id": "7", "text": "The first story is about a harbour storm on Monday."},
               {"id": "7", "text": "The second story is about a bakery opening on Friday."}]
    (corpus / "feed.json").write_text(json.dumps(records))
    (corpus / "feed.jsonl").write_text("\n".join(json.dumps({**r, "text": r["text"] + " (l)"})
                                                 for r in records))
    first = build_index(corpus, settings=settings, embedder=fake)
    assert sorted(first.added) == ["feed.json#7", "feed.jsonl#7"]
    assert _reasons(first) == {"feed.json#7": "duplicate record id 7",
                               "feed.jsonl#7": "duplicate record id 7"}
    again = build_index(corpus, settings=settings, embedder=fake)
    assert (again.updated, again.unchanged) == ((), 2)  # no flip-flop between builds
    kept = {a.id: a.text for a in scan(corpus, settings) if isinstance(a, Article)}
    assert kept["feed.json#7"].startswith("The first story")


def _refuse(monkeypatch, names: set[str]) -> None:
    """Make files and folders called ``names`` unreadable (tests run as root, where
    ``chmod 000`` blocks nothing)."""
    real_open, real_scandir = Path.open, os.scandir

    def open_(self: Path, *args, **kwargs):
        if self.name in names:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def scandir(path=".", *args):
        if not isinstance(path, int) and os.path.basename(os.fspath(path)) in names:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path, *args)

    monkeypatch.setattr(Path, "open", open_)
    monkeypatch.setattr(os, "scandir", scandir)


def test_an_indexed_file_or_folder_that_becomes_unreadable_is_kept(settings: Settings, fake,
                                                                  monkeypatch) -> None:
    corpus = settings.corpus_dir
    (corpus / "sub").mkdir(parents=True)
    (corpus / "good.txt").write_text(GOOD)
    (corpus / "story.txt").write_text("Bakery opens\n\nA bakery opened on Friday in town.\n")
    (corpus / "feed.jsonl").write_text('{"id": "a", "text": "Rovers won the cup final."}\n')
    (corpus / "sub" / "deep.txt").write_text("Bridge shut\n\nThe old bridge shut for repairs.\n")
    assert len(build_index(corpus, settings=settings, embedder=fake).added) == 4
    _refuse(monkeypatch, {"story.txt", "feed.jsonl", "sub"})
    report = build_index(corpus, settings=settings, embedder=fake)
    assert report.removed == () and report.articles == 4
    reasons = _reasons(report)
    for name in ("story.txt", "feed.jsonl", "sub"):
        assert "could not be read (Permission denied) - keeping the indexed version" in \
            reasons[name], name
    monkeypatch.undo()
    (corpus / "story.txt").unlink()  # gone for real: removed as before
    assert build_index(corpus, settings=settings, embedder=fake).removed == ("story.txt",)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_chmod_000_keeps_the_indexed_version(settings: Settings, fake) -> None:
    corpus = settings.corpus_dir
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    (corpus / "story.txt").write_text("Bakery opens\n\nA bakery opened on Friday in town.\n")
    build_index(corpus, settings=settings, embedder=fake)
    (corpus / "story.txt").chmod(0)
    try:
        report = build_index(corpus, settings=settings, embedder=fake)
    finally:
        (corpus / "story.txt").chmod(0o644)
    assert report.removed == () and "keeping the indexed version" in _reasons(report)["story.txt"]


def test_hidden_files_and_folders_are_reported(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text(GOOD)
    (tmp_path / ".notes.txt").write_text(GOOD)
    (tmp_path / "good.txt").write_text(GOOD)
    found = _scan(tmp_path)
    assert found[".git"].reason == "hidden folder" and found[".notes.txt"].reason == "hidden file"
    assert isinstance(found["good.txt"], Article) and ".git/config.txt" not in found


def test_a_path_past_path_max_is_reported(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:  # build the chain relative to open folders: the full path is too long to use
        for _ in range(24):
            os.mkdir("d" * 200, dir_fd=fd)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        story = os.open("story.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(story, GOOD.encode())
        os.close(story)
    finally:
        os.close(fd)
    found = _scan(tmp_path)
    assert isinstance(found.pop("good.txt"), Article)
    ((where, item),) = found.items()
    assert where.startswith("ddd") and "path is too long" in item.reason


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_text(tmp_path: Path, encoding: str) -> None:
    import codecs

    bom = {"utf-16": b"", "utf-32": b"", "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-be": codecs.BOM_UTF32_BE}[encoding]  # plain utf-16/32 write their own
    (tmp_path / "wide.txt").write_bytes(bom + ("Café reopens\n\nThe café in São Paulo "
                                               "reopened on Monday.").encode(encoding))
    article = _scan(tmp_path)["wide.txt"]
    assert isinstance(article, Article), article
    assert (article.title, article.text) == ("Café reopens",
                                             "The café in São Paulo reopened on Monday.")


def test_html_entities_in_plain_text_are_unescaped(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Rates &amp; prices\n\nPrices in S&#227;o Paulo rose &#x2014; "
                                    "said AT&T and R&D staff &lt;b&gt;.\n")
    article = _scan(tmp_path)["a.txt"]
    assert article.title == "Rates & prices"
    assert article.text == "Prices in São Paulo rose — said AT&T and R&D staff <b>."


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10:30", None), ("March", None), ("March 2024", None), ("2024", None), ("Monday", None),
     ("3 March 2025", "2025-03-03"), ("2024-03-05T10:30:00Z", "2024-03-05"),
     ("Tue, 05 Mar 2024 10:30:00 GMT", "2024-03-05"), ("2024-03-05", "2024-03-05"),
     ("20240305", "2024-03-05")],
)
def test_only_a_real_date_is_kept_at_ingest(value: str, expected: str | None) -> None:
    from qa.ingest.formats import iso_date

    assert iso_date(value) == expected


def test_a_partial_date_in_a_record_is_dropped(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text(
        '{"id": "1", "text": "Story one.", "time": "10:30"}\n'
        '{"id": "2", "text": "Story two.", "date": "2024-05-06"}\n')
    found = _scan(tmp_path)
    assert (found["feed.jsonl#1"].date, found["feed.jsonl#2"].date) == (None, "2024-05-06")


# -- item 10: passages fit the model window and start and end at words --------------------
@pytest.mark.parametrize("budget", [16, 254])
def test_an_over_long_sentence_is_cut_between_words(budget: int) -> None:
    import random

    from qa.embed.model import load_tokenizer
    from qa.ingest.split import Splitter

    tokenizer = load_tokenizer()
    vocab = "supercalifragilistic 9.4bn £5m “quoted” Zürich 日本 U.S. Dr. minister , ;".split()
    rng = random.Random(5)
    text = " ".join(rng.choice(vocab) for _ in range(3000))  # one run-on sentence
    passages = Splitter(tokenizer, budget, 1).split(Article(id="a", title="t", text=text))
    for p in passages:
        assert len(tokenizer.encode(p.text, add_special_tokens=False).ids) <= budget
        assert p.start == 0 or text[p.start - 1] == " "
        assert p.end == len(text) or text[p.end] == " "
    assert passages[-1].end == len(text)


# -- item 11: names cannot forge report lines; a growing file is not indexed truncated ----
HOSTILE_NAMES = ["evil\nadded    forged.txt", "\u202etxt.exe.txt", "tab\there\r.txt",
                 "zero\u200bwidth.txt"]


def test_the_cli_report_escapes_control_and_bidi_characters(settings: Settings, fake,
                                                            monkeypatch) -> None:
    from click.testing import CliRunner

    import qa.index.build
    from qa.cli import main

    monkeypatch.setattr(qa.index.build, "SentenceTransformerEmbedder", lambda *a, **k: fake)
    corpus = settings.corpus_dir
    corpus.mkdir()
    for i, name in enumerate(HOSTILE_NAMES):
        (corpus / name).write_text(f"Story {i}\n\nThe harbour story number {i} went on.\n")
    (corpus / "x\nskipped  y.txt").write_text("")
    result = CliRunner().invoke(main, ["index", str(corpus), "--index",
                                       str(settings.index_dir), "-q"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "added    forged.txt" not in lines
    assert not any(ln.startswith("skipped  y") for ln in lines)
    assert "added    evil\\nadded    forged.txt" in lines
    assert "added    \\u202etxt.exe.txt" in lines
    assert "added    tab\\there\\r.txt" in lines and "added    zero\\u200bwidth.txt" in lines
    assert "skipped  x\\nskipped  y.txt: empty file" in lines
    assert not any(ch in result.output for ch in "\u202e\u200b\r\t")


def test_the_web_report_escapes_names_and_markdown() -> None:
    from qa.index.build import BuildReport
    from qa.web.markdown import report_markdown

    report = BuildReport(added=("evil\n- **removed** `all.txt`", "\u202etxt.exe.txt",
                                "tick`s.txt", "<img src=x onerror=alert(1)>.txt"),
                         skipped=(Skipped("a*b*.txt", "duplicate of _c_ [x](http://e.vil)"),))
    text = report_markdown(report, (Skipped("news [1].txt", "unsupported <b>type</b>"),))
    lines = text.splitlines()
    assert not any(ln.startswith("- **removed**") for ln in lines)
    assert "\u202e" not in text and "\\u202etxt.exe.txt" in text
    assert "- **added** ``tick`s.txt``" in lines
    assert "- **added** `<img src=x onerror=alert(1)>.txt`" in lines  # code: shown as text
    assert ("- **skipped** `a*b*.txt`: duplicate of \\_c\\_ \\[x\\]\\(http\\:\\/\\/e\\.vil\\)"
            in lines)
    assert "- **refused** `news [1].txt`: unsupported \\<b\\>type\\<\\/b\\>" in lines


class _Growing:
    """A file handle whose file gets ``chunk`` appended before each of its first
    ``times`` reads: a log or a download still being written."""

    def __init__(self, fh, path: Path, times: int, chunk: bytes) -> None:
        self.fh, self.path, self.times, self.chunk = fh, path, times, chunk

    def read(self, n: int = -1) -> bytes:
        if self.times:
            self.times -= 1
            with open(self.path, "ab") as out:
                out.write(self.chunk)
        return self.fh.read(n)

    def __getattr__(self, name: str):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


@pytest.mark.parametrize("times", [1, 1000])
def test_a_file_growing_while_read_is_never_indexed_truncated(tmp_path: Path, monkeypatch,
                                                              times: int) -> None:
    story = tmp_path / "live.txt"
    story.write_text("Live blog\n\nThe first update arrived at noon.")
    real_open = Path.open

    def open_(self: Path, *args, **kwargs):
        fh = real_open(self, *args, **kwargs)
        return _Growing(fh, self, times, b" Another update.") if self == story else fh

    monkeypatch.setattr(Path, "open", open_)
    item = _scan(tmp_path)["live.txt"]
    if times == 1:  # grew once, then settled: read again, whole
        assert item.text == "The first update arrived at noon. Another update."
    else:
        assert item.reason == ("file changed while being read - it will be indexed on the "
                               "next build")


# -- item 4: uploads keep Unicode names and never overwrite another article ---------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [("报告.txt", "报告.txt"), ("Über.txt", "Über.txt"), ("U\u0308ber.txt", "Über.txt"),
     ("café—notes.md", "café-notes.md"), ("नमस्ते.txt", "नमस्ते.txt"),
     ("a b.txt", "a-b.txt"), ("news (1).txt", "news-1.txt"), ("news [1].txt", "news-1.txt"),
     ("x\n\u202e`y`*.txt", "x-y.txt"), ("!!!.txt", None), ("报告.exe", None)],
)
def test_upload_names_keep_unicode_letters(name: str, expected: str | None) -> None:
    from qa.web.uploads import safe_name

    assert safe_name(name) == expected


def test_a_long_unicode_name_fits_the_file_system() -> None:
    from qa.web.uploads import safe_name

    name = safe_name("报" * 300 + ".txt")
    assert name is not None and name.endswith("报.txt") and len(name.encode()) <= 200


def test_uploads_never_replace_a_different_article(tmp_path: Path) -> None:
    from qa.web.uploads import save_uploads

    settings = Settings(corpus_dir=tmp_path / "corpus")
    files = []
    for i, name in enumerate(["a b.txt", "a-b.txt", "news (1).txt", "news [1].txt", "报告.txt"]):
        path = tmp_path / f"upload{i}"
        path.write_text(f"Story {i}\n\nThe harbour story number {i} went on for a while.")
        files.append((path, name))
    result = save_uploads(files, settings)
    assert result.saved == ("uploads/a-b.txt", "uploads/a-b-2.txt", "uploads/news-1.txt",
                            "uploads/news-1-2.txt", "uploads/报告.txt")
    again = save_uploads([files[0], files[1]], settings)  # byte-identical: the same files
    assert again.saved == ("uploads/a-b.txt", "uploads/a-b-2.txt")
    folder = settings.corpus_dir / "uploads"
    assert len(list(folder.iterdir())) == 5
    assert (folder / "a-b-2.txt").read_text().startswith("Story 1")


def test_an_upload_refusal_gives_the_right_reason(tmp_path: Path) -> None:
    from qa.web.uploads import save_uploads

    story = tmp_path / "s"
    story.write_text(GOOD)
    result = save_uploads([(story, "报告.exe"), (story, "!!!.txt"), (story, "noext")],
                          Settings(corpus_dir=tmp_path / "corpus"))
    reasons = {s.id: s.reason for s in result.refused}
    assert "unsupported file type .exe" in reasons["报告.exe"]
    assert "unsupported file type (none)" in reasons["noext"]
    assert reasons["!!!.txt"] == ("the file name has no letters or digits - rename it and "
                                   "upload again")


# -- issue 20, item 5: a symbolic link loop is that file's skip line -----------------------
def _loops(corpus: Path) -> None:
    (corpus / "self.txt").symlink_to("self.txt")
    (corpus / "ping.txt").symlink_to("pong.txt")
    (corpus / "pong.txt").symlink_to("ping.txt")


def test_a_symlink_loop_is_a_skip_line_not_a_failed_build(settings: Settings, fake) -> None:
    corpus = settings.corpus_dir
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    _loops(corpus)
    report = build_index(corpus, settings=settings, embedder=fake)
    assert report.added == ("good.txt",)
    reasons = _reasons(report)
    for name in ("self.txt", "ping.txt", "pong.txt"):
        assert reasons[name].startswith("symbolic link loop"), reasons


def test_a_symlink_loop_does_not_stop_the_watcher(settings: Settings, fake) -> None:
    import threading

    from qa.fresh.watch import watch
    from qa.index.updater import Updater

    corpus = settings.corpus_dir
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    _loops(corpus)
    seen: list = []
    arrived = threading.Condition()

    def on_build(report, error) -> None:
        with arrived:
            seen.append((report, error))
            arrived.notify_all()

    def wait_for(done) -> None:  # 60 s without it: the watcher is stuck (not a speed limit)
        with arrived:
            assert arrived.wait_for(lambda: done(seen), 60), seen

    def later_added(reports: list) -> list:
        return [r for r, _ in reports[1:] if r and "later.txt" in r.added]

    stop = threading.Event()
    worker = threading.Thread(target=watch, args=(Updater(settings, embedder=fake), on_build),
                              kwargs=dict(stop=stop, quiet_ms=50, debounce_ms=200), daemon=True)
    worker.start()
    try:
        wait_for(lambda reports: len(reports) >= 1)
        first, error = seen[0]
        assert error is None and first.added == ("good.txt",)
        (corpus / "loop2.txt").symlink_to("loop2.txt")  # before later.txt: its build sees it
        (corpus / "later.txt").write_text("Bakery opens\n\nA bakery opened on Friday in town.\n")
        wait_for(later_added)
        assert [e for _, e in seen] == [None] * len(seen), seen
        assert "symbolic link loop" in _reasons(later_added(seen)[0])["loop2.txt"]
    finally:
        stop.set()
        worker.join(60)


# -- issue 20, item 7: the first indexed copy of a text stays the original -------------------
def test_a_later_exact_copy_that_sorts_first_does_not_replace_the_indexed_original(
        settings: Settings, fake) -> None:
    import json

    from qa import Retriever

    corpus = settings.corpus_dir
    corpus.mkdir()
    story = "The harbour reopened on Monday after the storm, officials said on the quay."
    (corpus / "wire.json").write_text(json.dumps({
        "title": "Harbour reopens", "source": "Harbour Gazette",
        "url": "https://gazette.example/harbour", "text": story}))
    assert build_index(corpus, settings=settings, embedder=fake).added == ("wire.json",)
    (corpus / "aaa-copy.txt").write_text(f"Stolen headline\n\n{story}\n")  # sorts first
    report = build_index(corpus, settings=settings, embedder=fake)
    assert report.added == () and report.removed == ()
    assert _reasons(report) == {"aaa-copy.txt": "duplicate of wire.json"}
    (hit,) = Retriever.load(settings=settings, embedder=fake).search("harbour reopened", 1)
    assert (hit.article_id, hit.title, hit.source, hit.url) == (
        "wire.json", "Harbour reopens", "Harbour Gazette", "https://gazette.example/harbour")
    again = build_index(corpus, settings=settings, embedder=fake)  # no flip-flop
    assert (again.added, again.removed) == ((), ())
    (corpus / "wire.json").unlink()  # the original gone: the copy takes its place
    last = build_index(corpus, settings=settings, embedder=fake)
    assert last.added == ("aaa-copy.txt",) and last.removed == ("wire.json",)
