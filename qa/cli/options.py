"""What every `qa` command shares: the folder options, settings from the environment,
the command lists with whole descriptions, and the build report as printed. The
commands import from here; this module imports no command, so the CLI's imports run one
way. Like every module of the CLI it imports nothing heavy at the top: `qa --help` must
not load NumPy, FAISS or the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qa.settings import Settings

if TYPE_CHECKING:
    from qa.index.report import BuildReport

INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Index folder (default: index/, or $QA_INDEX).",
)
CORPUS_OPTION = click.option(
    "--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Corpus folder (default: corpus/, or $QA_CORPUS).",
)


_HYPHEN = "\u2011"  # a hyphen that line wrapping keeps inside its word


class _Formatter(click.HelpFormatter):
    """Help wrapped without breaking words at their hyphens: "YYYY-MM" and
    "qa-news[cluster]" stay whole on one line."""

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(a, b.replace("-", _HYPHEN)) for a, b in rows], col_max, col_spacing)

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", _HYPHEN))

    def getvalue(self) -> str:
        return super().getvalue().replace(_HYPHEN, "-")


class _Context(click.Context):
    formatter_class = _Formatter


class WholeHelpGroup(click.Group):
    """A group whose command list gives each command's first sentence whole (wrapped),
    where click cuts it at about 45 characters with "...", and whose commands wrap their
    help without breaking words at hyphens."""

    context_class = _Context

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if cmd.context_class is click.Context:
            cmd.context_class = _Context
        super().add_command(cmd, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def settings_for(index_dir: Path | None, **overrides: object) -> Settings:
    """The settings of one command: the environment's, with the options given."""
    return Settings.from_env(index_dir=index_dir, **overrides)


def echo_report(report: BuildReport, as_json: bool = False) -> None:
    """A build report as `qa index` prints it (names escaped: they can hold newlines and
    bidi overrides)."""
    from qa.ingest.shown_names import shown

    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    for label, ids in (("added", report.added), ("updated", report.updated),
                       ("removed", report.removed)):
        listed = [shown(i) for i in ids[:10]]
        if len(ids) > 10:
            listed.append(f"... and {len(ids) - 10} more")
        for item in listed:
            click.echo(f"{label:8} {item}")
    for skip in report.skipped:
        click.echo(f"skipped  {shown(skip.id)}: {shown(skip.reason)}")
    for dup in report.near_duplicates:
        click.echo(f"near-dup {shown(dup.id)}: same story as {shown(dup.of)} "
                   f"({dup.similarity:.0%} overlap)")
    click.echo(report.summary())
