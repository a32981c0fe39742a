"""`qa --help` and every command's help: quick (nothing heavy imported), whole
descriptions, and help text for every option."""

from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from qa.cli import main

HEAVY = ("torch", "sentence_transformers", "transformers", "faiss", "gradio", "numpy",
         "sklearn", "bm25s", "httpx")


def _commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path: (), ("ask",), ("feeds",), ("feeds", "add"), ..."""
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands()


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="qa",
                                terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def _section(text: str, title: str) -> list[str]:
    """The lines of one section ("Options:", "Commands:") of a help page."""
    lines, inside = [], False
    for line in text.splitlines():
        if line == f"{title}:":
            inside = True
        elif inside and line and not line.startswith(" "):
            break
        elif inside:
            lines.append(line)
    return lines


def _entries(lines: list[str]) -> list[tuple[str, str]]:
    """``(first column, its text)`` of a definition list as click writes it: the text on
    the same line after two spaces or more, or on the lines below, indented further."""
    entries: list[tuple[str, str]] = []
    for line in lines:
        if re.match(r"^  \S", line):
            head, _, text = line[2:].partition("  ")
            entries.append((head.strip(), text.strip()))
        elif line.strip() and entries:
            head, text = entries[-1]
            entries[-1] = (head, f"{text} {line.strip()}".strip())
    return entries


def test_the_command_list_is_there() -> None:
    assert {("ask",), ("index",), ("serve",), ("feeds", "add")} <= set(COMMANDS)


def test_help_imports_nothing_heavy() -> None:
    """`qa --help` (and each command's) loads neither the model nor the index's stack."""
    code = (
        "import sys\n"
        "from qa.cli import main\n"
        f"for path in {COMMANDS!r}:\n"
        "    try:\n"
        "        main([*path, '--help'], prog_name='qa')\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (path, exc.code)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]", "imported: " + result.stdout.splitlines()[-1]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "qa")
def test_every_option_has_help(path: tuple[str, ...]) -> None:
    entries = _entries(_section(_help(path), "Options"))
    assert entries, "no options listed"
    bare = [head for head, text in entries
            if not re.sub(r"\[(default: .*?|\S*<=?x\S*|x>=\S*)\]", "", text).strip()]
    assert not bare, f"options without help in `qa {' '.join(path)} --help`: {bare}"


GROUPS = [(), *((name,) for name, c in main.commands.items() if isinstance(c, click.Group))]


@pytest.mark.parametrize("path", GROUPS, ids=lambda p: " ".join(p) or "qa")
def test_command_descriptions_are_whole(path: tuple[str, ...]) -> None:
    group = main.commands[path[0]] if path else main
    entries = dict(_entries(_section(_help(path), "Commands")))
    assert set(entries) == set(group.commands)
    for name, text in entries.items():
        assert text and not text.endswith("..."), f"{name}: {text!r} is cut off"
        assert text.endswith((".", ")")), f"{name}: {text!r} is not a whole sentence"
        described = " ".join((group.commands[name].help or "").split())
        assert described.startswith(text), f"{name}: {text!r} is not its help's start"


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_since_and_until_say_every_date_form(option: str) -> None:
    text = dict(_entries(_section(_help(("ask",)), "Options")))
    help_text = next(t for head, t in text.items() if head.startswith(option))
    for form in ("YYYY,", "YYYY-MM ", "YYYY-MM-DD"):
        assert form in help_text, f"{option}: {help_text!r} does not mention {form.strip(', ')}"


def test_the_package_exports_load_on_first_use() -> None:
    """``qa/__init__`` loads its names when asked (PEP 562): all of them resolve, and
    ``qa.search`` stays the function whatever was imported before."""
    code = ("import sys, qa, qa.search.filters\n"
            "assert all(getattr(qa, name) is not None for name in qa.__all__)\n"
            "from qa import search\n"
            "assert callable(search) and search is qa.search, search\n"
            "assert set(qa.__all__) <= set(dir(qa))\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
