"""`qa ask` and `qa quotes`: answers, timelines and who said what, on the terminal.

`qa ask` asks a running `qa serve` first when it serves the same index version (see
:mod:`qa.cli.remote`), and otherwise answers here. Either way it prints the answer's
JSON form (``Answer.to_dict()``), so both print the same thing.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from qa.settings import Settings

from . import remote
from .options import INDEX_OPTION, settings_for

log = logging.getLogger(__name__)

DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"


@click.command()
@click.argument("question")
@click.option("-k", type=click.IntRange(1, 100), default=5, show_default=True,
              help="How many passages to show.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]),
              help="How to search: hybrid (meaning and words, the default), dense (meaning "
                   "only) or bm25 (words only).")
@click.option("--since", metavar="DATE",
              help=f"Only articles dated on or after DATE: {DATE_FORMS} (a year or month "
                   "counts from its first day).")
@click.option("--until", metavar="DATE",
              help=f"Only articles dated on or before DATE: {DATE_FORMS} (a year or month "
                   "counts to its last day).")
@click.option("--source", help="Only articles from this source.")
@click.option("--person", help="Only articles naming this person (or organisation, place).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="Read 'last week', 'in July' from this day (default: today, or the newest "
                   "article's date for a corpus over a year old).")
@click.option("--no-dates", "no_dates", is_flag=True,
              help="Search time words as words instead of reading them as dates "
                   "(answered in this process).")
@click.option("--timeline", is_flag=True, help="Show the hits as a timeline, oldest first.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the answer as JSON: lead sentence, answer words (with offsets), "
                   "hits, timeline.")
@INDEX_OPTION
@click.option("--server", metavar="URL",
              help="Ask the `qa serve` running at URL when it serves this index (default: "
                   "$QA_SERVER, or http://127.0.0.1:7860/ if one runs there).")
@click.option("--local", is_flag=True,
              help="Answer in this process even when a server runs (loads the model and the "
                   "index: several seconds).")
def ask(question: str, k: int, mode: str | None, since: str | None, until: str | None,
        source: str | None, person: str | None, as_of: str | None, no_dates: bool,
        timeline: bool, as_json: bool, index_dir: Path | None, server: str | None,
        local: bool) -> None:
    """Answer QUESTION: the answer words, the sentence that says them, and the passages."""
    settings = settings_for(index_dir, server=server)
    options = dict(k=k, mode=mode, since=since, until=until, source=source, person=person,
                   as_of=as_of)
    found = None
    if not local and not no_dates:
        found = _from_server(settings, question, options, named=bool(server or settings.server))
    if found is None:
        found = _answer_here(settings, question, options, dates=not no_dates)
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        echo_answer(found, question, timeline=timeline)


def _from_server(settings: Settings, question: str, options: dict, *,
                 named: bool) -> dict | None:
    """The running server's answer when it serves the index version this command would
    read, else None (saying why on stderr when the server was named)."""
    from qa.index.versions import current_name

    url = remote.default_server(settings)
    here = current_name(settings.index_dir)
    if here is None:
        return None  # no index here: answering here says what to do
    try:
        found = remote.ask(url, question, **options)
    except remote.Unanswered as exc:
        log.info("no answer from %s (%s): answering here", url, exc)
        if named:
            click.echo(f"(no answer from the server at {url}: {exc} - answering here)", err=True)
        return None
    versions = {hit.get("version") for hit in found["hits"] if isinstance(hit, dict)}
    if versions != {here}:
        log.info("the server at %s serves version %s, not %s: answering here", url,
                 ", ".join(sorted(map(str, versions))) or "(no hits)", here)
        if named:
            click.echo(f"(the server at {url} serves another index or version - "
                       "answering here)", err=True)
        return None
    click.echo(f"(answered by the running server at {url}; --local answers here)", err=True)
    return found


def _answer_here(settings: Settings, question: str, options: dict, *, dates: bool) -> dict:
    from qa.answer import answer
    from qa.news.question_dates import as_of_day
    from qa.search import Filters, Retriever

    filters = Filters(mode=options["mode"], since=options["since"],  # type: ignore[arg-type]
                      until=options["until"], source=options["source"],
                      person=options["person"])
    day = as_of_day(options["as_of"])
    retriever = Retriever.load(settings=settings)
    result = answer(retriever, question, k=options["k"], filters=filters, as_of=day,
                    dates=dates)
    return result.to_dict()


def echo_answer(found: dict, question: str, *, timeline: bool = False) -> None:
    """An answer (``Answer.to_dict()``) as `qa ask` prints it."""
    hits, lead = found["hits"], found.get("lead")
    if found.get("understood"):
        click.echo(f"({found['understood']})")
    if not hits:
        click.echo("no passages match")
    elif not found["relevant"]:
        click.echo(f"Nothing in these articles about {question!r}; the nearest passages:\n")
    elif lead is not None:
        words = lead.get("resolved") or lead.get("answer")
        if words:
            click.secho(f"Answer: {words}", bold=True)
        hit = hits[lead["hit"]]
        click.echo(f"{' '.join((lead.get('sentence') or '').split())}")
        click.echo(f"   ({hit['title']}, {_joined(hit['date'], hit['source'])})\n")
    if timeline:
        _echo_timeline(found.get("timeline") or [])
        return
    for rank, hit in enumerate(hits, start=1):
        # Hit.score, shown as the chat and the API show it (two decimals).
        click.secho(f"{rank}. [{hit['score']:.2f}] {hit['title']}", bold=True)
        click.echo(f"   {_joined(hit['date'], hit['source'], hit['article_id'])}")
        if hit.get("also_in"):
            click.echo(f"   also in: {', '.join(hit['also_in'])}")
        click.echo("   " + " ".join(hit["text"].split()) + "\n")


def _joined(*parts: str | None) -> str:
    return " · ".join(x for x in parts if x)


def _echo_timeline(entries: list[dict]) -> None:
    if not entries:
        click.echo("(the hits do not span several dates: no timeline)")
    shown = None
    for entry in entries:
        if entry["date"] != shown:
            click.secho(entry["date"], bold=True)
            shown = entry["date"]
        click.echo(f"  {entry['title']}: {entry['sentence']}")


@click.command()
@click.argument("name")
@click.option("-n", "limit", type=click.IntRange(1, 200), default=20, show_default=True,
              help="How many quotes to list at most.")
@click.option("--json", "as_json", is_flag=True, help="Print the quotes as JSON.")
@INDEX_OPTION
def quotes(name: str, limit: int, as_json: bool, index_dir: Path | None) -> None:
    """List what NAME said ("Gor", "Sergio Gor", "Ambassador Gor"), newest first."""
    from qa.index.versions import open_current
    from qa.search.snapshot import open_snapshot

    settings = settings_for(index_dir)
    fingerprint = open_current(settings.index_dir, check_files=False).manifest["identity"][
        "weights_sha256"]
    snap = open_snapshot(settings.index_dir, fingerprint)
    found = snap.quotes_by(name, limit=limit)
    dates = snap.article_dates(list(dict.fromkeys(q.article_id for q in found)))
    if as_json:
        click.echo(json.dumps([{**q.__dict__, "date": dates.get(q.article_id)} for q in found],
                              indent=2, ensure_ascii=False))
        return
    if not found:
        raise click.ClickException(f"no quotes of {name!r} in the index")
    for q in found:
        when = dates.get(q.article_id) or "undated"
        click.echo(f"{q.speaker} ({when}, {q.article_id}): \u201c{' '.join(q.quote.split())}\u201d")
