"""`qa ask` and `qa quotes`: answers, timelines and who said what, on the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import INDEX_OPTION, settings_for

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
              help="Search time words as words instead of reading them as dates.")
@click.option("--timeline", is_flag=True, help="Show the hits as a timeline, oldest first.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the answer as JSON: lead sentence, answer words (with offsets), "
                   "hits, timeline.")
@INDEX_OPTION
def ask(question: str, k: int, mode: str | None, since: str | None, until: str | None,
        source: str | None, person: str | None, as_of: str | None, no_dates: bool,
        timeline: bool, as_json: bool, index_dir: Path | None) -> None:
    """Answer QUESTION: the answer words, the sentence that says them, and the passages."""
    from qa.answer import answer
    from qa.news.question_dates import as_of_day
    from qa.search import Filters, Retriever

    filters = Filters(mode=mode, since=since, until=until, source=source,  # type: ignore[arg-type]
                      person=person)
    retriever = Retriever.load(settings=settings_for(index_dir))
    result = answer(retriever, question, k=k, filters=filters, as_of=as_of_day(as_of),
                    dates=not no_dates)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    if result.understood:
        click.echo(f"({result.understood})")
    if not result.hits:
        click.echo("no passages match")
    elif not result.relevant:
        click.echo(f"Nothing in these articles about {question!r}; the nearest passages:\n")
    else:
        if result.shown_words:
            click.secho(f"Answer: {result.shown_words}", bold=True)
        hit = result.best[0]  # type: ignore[index]
        click.echo(f"{' '.join((result.sentence or '').split())}")
        click.echo(f"   ({hit.title}, {' · '.join(x for x in (hit.date, hit.source) if x)})\n")
    if timeline:
        _echo_timeline(result)
        return
    for rank, hit in enumerate(result.hits, start=1):
        where = " · ".join(x for x in (hit.date, hit.source, hit.article_id) if x)
        click.secho(f"{rank}. [{hit.score:.3f}] {hit.title}", bold=True)
        click.echo(f"   {where}")
        if hit.also_in:
            click.echo(f"   also in: {', '.join(hit.also_in)}")
        click.echo("   " + " ".join(hit.text.split()) + "\n")


def _echo_timeline(result) -> None:
    entries = result.timeline()
    if not entries:
        click.echo("(the hits do not span several dates: no timeline)")
    shown = None
    for entry in entries:
        if entry.date != shown:
            click.secho(entry.date, bold=True)
            shown = entry.date
        click.echo(f"  {entry.title}: {entry.sentence}")


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
