"""What every `qa` command shares: the folder options, settings from the environment,
the progress bar and the build report as printed. The commands import from here; this
module imports no command, so the CLI's imports run one way."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from qa.index.report import BuildReport
from qa.ingest.shown_names import shown
from qa.settings import Settings

INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Index folder (default: index/, or $QA_INDEX).",
)
CORPUS_OPTION = click.option(
    "--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Corpus folder (default: corpus/, or $QA_CORPUS).",
)


def settings_for(index_dir: Path | None, **overrides: object) -> Settings:
    """The settings of one command: the environment's, with the options given."""
    return Settings.from_env(index_dir=index_dir, **overrides)


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar (on a terminal, unless quiet) fed by the library's progress callback."""
    from tqdm import tqdm

    bar: tqdm | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="passage", desc="embedding", disable=quiet or None)
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()


def echo_report(report: BuildReport, as_json: bool = False) -> None:
    """A build report as `qa index` prints it (names escaped: they can hold newlines and
    bidi overrides)."""
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
