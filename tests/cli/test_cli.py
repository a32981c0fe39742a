"""The `qa` command as a user runs it: real processes, real model, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.data import SEED


def qa(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def indexing(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``(folder, the `qa index corpus` run)``: the folder holds corpus/ and index/."""
    root = tmp_path_factory.mktemp("cli")
    (root / "corpus").mkdir()
    (root / "corpus" / SEED.name).write_bytes(SEED.read_bytes())
    (root / "corpus" / "empty.txt").write_text("")
    result = qa("index", "corpus", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout
    assert "skipped  empty.txt: empty file" in result.stdout
    return root, result


@pytest.fixture(scope="module")
def workdir(indexing: tuple[Path, subprocess.CompletedProcess]) -> Path:
    return indexing[0]


def test_index_on_a_pipe_says_each_stage_from_the_first_file(
        indexing: tuple[Path, subprocess.CompletedProcess]) -> None:
    """stderr is a pipe here: no bar, but a line per stage (and every few seconds)."""
    lines = indexing[1].stderr.splitlines()
    assert lines[0] == "loading the model"
    assert lines[1].startswith("scanning: 1 article read; splitting: 0 ")  # the first file
    assert "scanning: 1 article read; splitting: 1 new or changed article split into " \
           "passages" in lines
    assert any(line.startswith("embedding: 6/6 passages (100%)") for line in lines)
    assert lines[-1].startswith("saving the index")


def test_ask_prints_ranked_readable_hits(workdir: Path) -> None:
    result = qa("ask", "what did Gor and Jaishankar discuss?", "-k", "2", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "\n1. [" in result.stdout
    assert "2026-01-30 · ANI · 2026-01-30-jaishankar-gor.txt" in result.stdout
    assert "2. [" in result.stdout and "3. [" not in result.stdout


def test_ask_json(workdir: Path) -> None:
    result = qa("ask", "critical minerals ministerial", "--json", "-k", "3", cwd=workdir)
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 3
    assert {"text", "score", "article_id", "title", "date", "source", "url", "start",
            "end"} <= set(hits[0])
    assert hits[0]["article_id"] == "2026-01-30-jaishankar-gor.txt"


def test_ask_prints_the_answer_words_first(workdir: Path) -> None:
    result = qa("ask", "When is the critical minerals ministerial?", cwd=workdir)
    assert result.returncode == 0, result.stderr
    first, sentence = result.stdout.splitlines()[:2]
    assert first == "Answer: Wednesday (4 February 2026)"  # the date, with its day and year
    assert "4 February" in sentence and "Critical Minerals Ministerial" in sentence
    answer = json.loads(qa("ask", "When is the critical minerals ministerial?", "--json",
                           cwd=workdir).stdout)
    lead = answer["lead"]
    text = answer["hits"][lead["hit"]]["text"]
    assert text[lead["answer_start"] : lead["answer_end"]] == lead["answer"] == "4 February"
    assert text[lead["start"] : lead["end"]] == lead["sentence"]


def test_info_and_reindex(workdir: Path) -> None:
    info = qa("info", cwd=workdir)
    assert "1 articles" in info.stdout and "all-MiniLM-L6-v2" in info.stdout
    again = qa("index", "--json", cwd=workdir)
    assert json.loads(again.stdout)["embedded"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "the question is empty"),
        (("ask", "x", "--index", "nowhere"), "no index at nowhere/ - run `qa index"),
        (("index", "missing-folder"), "no folder at missing-folder/"),
        (("ask", "x", "--since", "last tuesday-ish"), "not a date"),
    ],
)
def test_errors_are_one_line_without_traceback(workdir: Path, args: tuple[str, ...],
                                               message: str) -> None:
    result = qa(*args, cwd=workdir)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_without_gradio_says_which_extra_to_install(tmp_path: Path) -> None:
    """The library and the CLI install without Gradio (it is the ``web`` extra)."""
    code = ("import sys; sys.modules['gradio'] = None  # as if not installed\n"
            "from qa.cli import main; main(['serve'], prog_name='qa')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1
    assert "pip install 'qa-news[web]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_and_watch_import_no_gradio() -> None:
    code = ("import sys, qa.cli.commands, qa.fresh.watch, qa.index.updater\n"
            "assert 'gradio' not in sys.modules, 'gradio imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
