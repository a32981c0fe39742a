"""Progress of `qa index` where stderr is a file or a pipe: a line as each stage starts
(the first as soon as the first file is read), then one every few seconds. The clock is
injected: nothing here sleeps or times anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import main
from qa.cli.progress import BarProgress, LineProgress, reporter

from helpers.fakes import FakeEmbedder


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_when_a_stage_starts_then_one_every_few_seconds() -> None:
    clock, lines = Clock(), []
    progress = LineProgress(lines.append, every=5.0, clock=clock)
    progress.stage("model", 0)
    assert lines == ["loading the model"]
    progress.stage("scanning", 1)  # the first file read: said at once
    assert lines[-1] == ("scanning: 1 article read; splitting: 0 new or changed articles split "
                         "into passages")
    for n in range(2, 40):  # 38 more within 3.8 s: nothing more said
        clock.now += 0.1
        progress.stage("scanning", n)
        progress.stage("splitting", n - 1)
    assert len(lines) == 2
    clock.now += 1.3  # 5.1 s after the last line
    progress.stage("scanning", 40)
    assert len(lines) == 3 and lines[-1].startswith("scanning: 40 articles read; splitting: 38 ")
    progress.stage("splitting", 40)  # not said yet ...
    progress.stage("near-duplicates", 0)  # ... but said before the next stage starts
    assert lines[3:] == [
        "scanning: 40 articles read; splitting: 40 new or changed articles split into passages",
        "finding near-duplicate stories",
    ]


def test_embedding_lines_give_the_count_the_rate_and_the_time_left() -> None:
    clock, lines = Clock(), []
    progress = LineProgress(lines.append, every=5.0, clock=clock)
    progress(0, 1000)
    assert lines == ["embedding: 0/1,000 passages (0%)"]
    clock.now += 4.0
    progress(64, 1000)
    assert len(lines) == 1  # 4 s: not yet
    clock.now += 6.0
    progress(200, 1000)  # 200 in 10 s: 20/s, 800 left: 40 s
    assert lines[-1] == "embedding: 200/1,000 passages (20%), 20 passages/s, about 40 s left"
    clock.now += 1.0
    progress(1000, 1000)
    progress.stage("saving", 0)
    assert lines[-2:] == ["embedding: 1,000/1,000 passages (100%)",
                          "saving the index (vectors, keyword index, checksums)"]
    progress.close()  # nothing new to say
    assert len(lines) == 4


def test_closing_says_the_last_count() -> None:
    clock, lines = Clock(), []
    progress = LineProgress(lines.append, clock=clock)
    progress(0, 10)
    progress(5, 10)
    progress.close()
    assert lines[-1].startswith("embedding: 5/10 passages (50%)")


def test_bars_on_a_terminal_lines_elsewhere_nothing_when_quiet() -> None:
    assert isinstance(reporter(False, terminal=True), BarProgress)
    assert isinstance(reporter(False, terminal=False), LineProgress)
    assert reporter(True, terminal=False) is None


@pytest.fixture
def fake_model(monkeypatch) -> None:
    """`qa index` in this process with the fast fake model (the model is not the point)."""
    monkeypatch.setattr("qa.index.build.SentenceTransformerEmbedder",
                        lambda settings=None: FakeEmbedder())


def test_qa_index_on_a_pipe_names_each_stage(corpus: Path, tmp_path: Path,
                                             fake_model: None) -> None:
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(tmp_path / "ix")],
                                prog_name="qa")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "loading the model"
    assert lines[1].startswith("scanning: 1 article read; splitting: 0 ")  # the first file
    assert any(line.startswith("scanning: 13 articles read; splitting: 13 new or changed "
                               "articles split") for line in lines)
    embedding = [line for line in lines if line.startswith("embedding: ")]
    total = int(embedding[0].split("/")[1].split()[0].replace(",", ""))
    assert embedding[0].startswith("embedding: 0/") and total > 13
    assert embedding[-1].startswith(f"embedding: {total:,}/{total:,} passages (100%)")
    assert lines[-1].startswith("saving the index")
    assert "13 added" in result.stdout  # the report is on stdout, as before


def test_quiet_means_no_progress(corpus: Path, tmp_path: Path, fake_model: None) -> None:
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(tmp_path / "ix"),
                                       "-q"], prog_name="qa")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
