"""The `qa` command: index a corpus, ask questions, inspect the index.

A thin shell over the library: errors become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from pathlib import Path

import click

from qa.errors import QAError

from .ask import ask, quotes
from .fresh import add, feeds, watch_
from .options import (
    CORPUS_OPTION,
    INDEX_OPTION,
    WholeHelpGroup,
    echo_report,
    settings_for,
)
from .progress import progress_bar


class _Group(WholeHelpGroup):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except QAError as exc:
            raise click.ClickException(str(exc)) from None
        except ValueError as exc:  # bad option values found by the library (dates, modes)
            raise click.UsageError(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("interrupted - the index is unchanged", err=True)
            sys.exit(130)


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def main(verbose: bool) -> None:
    """Ask questions of a folder of news articles."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    # bm25s sets its own logger to DEBUG; keep it as quiet as ours.
    logging.getLogger("bm25s").setLevel(logging.INFO if verbose else logging.WARNING)
    if not verbose:
        warnings.filterwarnings("ignore")


@main.command()
@click.argument("corpus", required=False, type=click.Path(path_type=Path))
@INDEX_OPTION
@click.option("--full", is_flag=True, help="Re-embed everything instead of updating.")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress (a bar on a terminal, else a line every few seconds on stderr).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              metavar="[ADDRESS]", help="Split and embed on the Ray cluster at ADDRESS "
              "(alone: start one on this machine). Needs pip install 'qa-news[cluster]'.")
def index(corpus: Path | None, index_dir: Path | None, full: bool, quiet: bool,
          as_json: bool, ray_address: str | None) -> None:
    """Build or update the index of CORPUS (default: corpus/)."""
    from qa.index.build import build_index

    if corpus is None and ray_address and Path(ray_address).is_dir():
        corpus, ray_address = Path(ray_address), "local"  # `qa index --ray corpus/`
    settings = settings_for(index_dir)
    with progress_bar(quiet) as progress:
        report = build_index(corpus, settings=settings, full=full, progress=progress,
                             ray=ray_address)
    echo_report(report, as_json)


@main.command("eval")
@click.argument("beir", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines with question, article and answer: passage-level Hit@k.")
@click.option("--split", help="Only the questions whose split field is this (tune, report).")
@click.option("--mode", "modes", multiple=True, type=click.Choice(["dense", "bm25", "hybrid"]),
              help="Mode to measure (repeatable; default: all three).")
@click.option("--quiet", "-q", is_flag=True, help="No progress while indexing.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Index to evaluate (default: index/ for --questions; for a BEIR folder, "
                   "a cached index of its corpus.jsonl, built on first use).")
def eval_(beir: Path | None, questions: Path | None, split: str | None, modes: tuple[str, ...],
          quiet: bool,
          as_json: bool, index_dir: Path | None) -> None:
    """Measure retrieval on a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)
    and/or a --questions file, for each search mode."""
    from qa.evaluation import (
        MODES,
        collection_index,
        evaluate_collection,
        evaluate_questions,
        load_collection,
        load_questions,
    )
    from qa.search import Retriever

    if beir is None and questions is None:
        raise click.UsageError("give a BEIR folder, --questions FILE, or both")
    chosen = tuple(modes) or MODES
    settings = settings_for(index_dir)
    reports = []
    if beir is not None:
        collection = load_collection(beir)
        with progress_bar(quiet) as progress:
            where = collection_index(collection, settings, index_dir=index_dir,
                                     progress=progress)
        retriever = Retriever.load(settings=settings.with_(index_dir=where))
        reports.append(evaluate_collection(retriever, collection, chosen))
    if questions is not None:
        retriever = Retriever.load(settings=settings)
        reports.append(evaluate_questions(
            retriever, load_questions(questions, split),
            questions.name + (f" ({split} half)" if split else ""), chosen))
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], indent=2))
        return
    click.echo("\n\n".join(r.table() for r in reports))


@main.command()
@INDEX_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.option("--verify", is_flag=True, help="Also check every file against its checksum.")
def info(index_dir: Path | None, as_json: bool, verify: bool) -> None:
    """Show what the index manifest says."""
    from qa.index.versions import open_current

    settings = settings_for(index_dir)
    version = open_current(settings.index_dir, check_files=verify)
    m = version.manifest
    if as_json:
        click.echo(json.dumps({"version": version.name, **m}, indent=2))
        return
    ident = m["identity"]
    click.echo(f"index      {settings.index_dir}/ (version {version.name}, format {m['format']})")
    click.echo(f"built at   {m['built_at']} from {m.get('corpus', '?')}")
    click.echo(f"contents   {m['counts']['articles']} articles, {m['counts']['passages']} passages")
    click.echo(f"model      {ident['model']} ({ident['dim']} dims, weights "
               f"{ident['weights_sha256'][:12]})")
    if "encoder" in ident:
        click.echo(f"encoder    {ident['encoder']} (documents)")
    click.echo(f"vectors    {m['index_type']}, {ident['metric']}, normalised")
    click.echo(f"passages   <= {ident['passage_tokens']} word pieces, "
               f"{ident['overlap_sentences']} sentence overlap")
    if verify:
        click.echo(f"checksums  all {len(m['files'])} files match the manifest")


@main.command()
@CORPUS_OPTION
@INDEX_OPTION
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 7860).")
@click.option("--watch", is_flag=True, default=None,
              help="Update the index when files in the corpus change.")
@click.option("--poll-feeds", "poll", type=click.FloatRange(min=0), default=None,
              metavar="MINUTES", help="Update the feeds every MINUTES (default: never).")
@click.option("--allow-private-urls", "allow_private", is_flag=True, default=None,
              help="Let the chat fetch pages from private and loopback addresses.")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=None,
              help="Questions answered at once; more wait in the queue (default 16).")
def serve(corpus_dir: Path | None, index_dir: Path | None, host: str | None,
          port: int | None, watch: bool | None, poll: float | None,
          allow_private: bool | None, concurrency: int | None) -> None:
    """Serve the web chat (indexing the corpus first if there is no index)."""
    try:
        from qa.web import serve as serve_app
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("gradio", "starlette"):
            raise
        raise click.ClickException(
            "the web chat needs Gradio, which this install does not have - "
            "install it with: pip install 'qa-news[web]'"
        ) from None
    serve_app(settings_for(index_dir, corpus_dir=corpus_dir, host=host, port=port,
                           watch=watch, feed_poll_minutes=poll,
                           fetch_allow_private=allow_private, concurrency=concurrency))


for _command in (ask, quotes, add, feeds, watch_):
    main.add_command(_command)


if __name__ == "__main__":
    main()
