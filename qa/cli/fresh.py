"""`qa add`, `qa feeds` and `qa watch`: the commands that bring articles in from the web
and keep the index in step with the corpus folder."""

from __future__ import annotations

from pathlib import Path

import click

from qa.settings import Settings

from .options import (
    CORPUS_OPTION,
    INDEX_OPTION,
    WholeHelpGroup,
    echo_report,
    settings_for,
)
from .progress import progress_bar


def _update_index(settings: Settings, quiet: bool) -> None:
    """The incremental build after new pages were saved, with its usual report."""
    from qa.index.build import build_index

    with progress_bar(quiet) as progress:
        report = build_index(settings.corpus_dir, settings=settings, progress=progress)
    echo_report(report)


@click.command()
@click.argument("urls", nargs=-1, required=True)
@CORPUS_OPTION
@INDEX_OPTION
@click.option("--quiet", "-q", is_flag=True, help="No progress while indexing.")
def add(urls: tuple[str, ...], corpus_dir: Path | None, index_dir: Path | None,
        quiet: bool) -> None:
    """Fetch the article pages at URLS into CORPUS/web/ and update the index."""
    from qa.fresh.fetch import Fetcher, Policy
    from qa.fresh.pages import fetch_pages

    settings = settings_for(index_dir, corpus_dir=corpus_dir)
    fetcher = Fetcher(Policy.from_settings(settings, from_chat=False))
    fetched = fetch_pages(urls, fetcher, settings)
    for line in fetched.lines():
        click.echo(line)
    if fetched.saved:
        _update_index(settings, quiet)
    if not fetched.saved:
        raise click.ClickException("no page could be added")


@click.group(cls=WholeHelpGroup, invoke_without_command=True)
@CORPUS_OPTION
@INDEX_OPTION
@click.pass_context
def feeds(ctx: click.Context, corpus_dir: Path | None, index_dir: Path | None) -> None:
    """Follow RSS/Atom feeds. Without a subcommand: each feed's last fetch, new items
    and errors."""
    # The settings only: the feed list (and httpx, the feed parser) is loaded by the
    # subcommand, after it has read its own options (`qa feeds add --help` loads nothing).
    ctx.obj = settings_for(index_dir, corpus_dir=corpus_dir)
    if ctx.invoked_subcommand is None:
        ctx.invoke(feeds_list)


def _feed_list(settings: Settings):
    from qa.fresh.feeds import FeedList

    return FeedList(settings)


def _fetcher(settings: Settings) -> object:
    from qa.fresh.fetch import Fetcher, Policy

    return Fetcher(Policy.from_settings(settings, from_chat=False))


@feeds.command("list")
@click.pass_obj
def feeds_list(settings: Settings) -> None:
    """List the feeds followed, with their last fetch, new items and errors."""
    listed = _feed_list(settings).feeds()
    if not listed:
        click.echo("no feeds yet - add one with: qa feeds add URL")
    for feed in listed:
        click.echo(feed.status())


@feeds.command("add")
@click.argument("url")
@click.pass_obj
def feeds_add(settings: Settings, url: str) -> None:
    """Follow the feed at URL (or the feed a web page at URL names)."""
    feed = _feed_list(settings).add(url, _fetcher(settings))
    click.echo(f"following {feed.url} ({feed.title or 'untitled'}) - "
               "fetch its entries with: qa feeds update")


@feeds.command("remove")
@click.argument("url")
@click.pass_obj
def feeds_remove(settings: Settings, url: str) -> None:
    """Stop following URL (its articles stay in the corpus)."""
    if not _feed_list(settings).remove(url):
        raise click.ClickException(f"not following {url} - see: qa feeds list")
    click.echo(f"no longer following {url}")


@feeds.command("update")
@click.option("--quiet", "-q", is_flag=True, help="No progress while indexing.")
@click.pass_obj
def feeds_update(settings: Settings, quiet: bool) -> None:
    """Fetch every feed once; save new or changed entries and update the index."""
    updated = _feed_list(settings).update(_fetcher(settings))
    for line in updated.lines or ("no feeds yet - add one with: qa feeds add URL",):
        click.echo(line)
    if updated.fetched.changed:
        _update_index(settings, quiet)


@click.command("watch")
@click.argument("corpus", required=False, type=click.Path(file_okay=False, path_type=Path))
@INDEX_OPTION
def watch_(corpus: Path | None, index_dir: Path | None) -> None:
    """Update the index whenever files in CORPUS appear, change or disappear (Ctrl-C stops)."""
    from qa.embed.model import SentenceTransformerEmbedder
    from qa.fresh.watch import watch
    from qa.index.updater import Updater

    settings = settings_for(index_dir, corpus_dir=corpus)
    updater = Updater(settings, embedder=SentenceTransformerEmbedder(settings))

    def show(report, error: str | None) -> None:
        if error:
            click.echo(f"update failed: {error} - the previous index is still serving", err=True)
        else:
            echo_report(report)
        click.echo(f"watching {settings.corpus_dir}/ (Ctrl-C stops)", err=True)

    watch(updater, show)
