"""Markdown for the "Add articles" panel's report: what was fetched, added, changed,
refused or skipped, and why.

Names and reasons come from uploaded files and fetched pages: each is shown escaped
(:func:`~qa.ingest.shown_names.shown`), in a code span no character can end early or as
text with every Markdown character escaped, so none can add a line, a link or markup.
"""

from __future__ import annotations

import re

from qa.fresh.pages import Fetched
from qa.index.report import BuildReport
from qa.ingest.corpus import Skipped
from qa.ingest.shown_names import shown

_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # CommonMark: all may be escaped
_BACKTICKS = re.compile(r"`+")


def markdown_code(name: str) -> str:
    """``name`` as a Markdown code span that no character in it can end early."""
    text = shown(name)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # A span starting or ending with a backtick needs a space inside the fence.
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_text(text: str) -> str:
    """``text`` shown literally in Markdown: no emphasis, links or HTML from it."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", shown(text))


def fetched_markdown(fetched: Fetched) -> list[str]:
    return [f"- **fetched** {markdown_code(s.url)} → {markdown_code(s.path)}"
            + ("" if s.changed else " (unchanged)") for s in fetched.saved]


def report_markdown(report: BuildReport | None, refused: tuple[Skipped, ...] = (),
                    notes: list[str] | None = None, *, files: tuple[str, ...] | None = None
                    ) -> str:
    """The add-articles report: what was fetched (``notes``), added, changed, skipped
    and why. With ``files`` (the corpus paths this action saved), only what happened to
    them is listed; the rest of the corpus (say, 35 duplicates skipped at every update)
    gets one line of counts."""
    # Names and reasons come from uploaded files: escaped so none can add a line or markup.
    # A file of 10,000 records is summed up: the counts first, then a few of each kind.
    lines: list[str] = []
    rest = None
    if report is not None and files is not None:
        report, rest = report.split(files)
    if report is not None:
        lines += [report.summary(), ""]
    lines += _first(list(notes or []), "fetched")
    lines += _first([f"- **refused** {markdown_code(s.id)}: {markdown_text(s.reason)}"
                     for s in refused[:REPORT_LINES + 1]], "refused", len(refused))
    if report is not None:
        for label, ids in (("added", report.added), ("updated", report.updated),
                           ("removed", report.removed)):
            lines += _first([f"- **{label}** {markdown_code(i)}" for i in ids[:REPORT_LINES + 1]],
                            label, len(ids))
        lines += _first([f"- **skipped** {markdown_code(s.id)}: {markdown_text(s.reason)}"
                         for s in report.skipped[:REPORT_LINES + 1]], "skipped",
                        len(report.skipped))
        if files is not None and report.unchanged:
            lines.append(f"- {report.unchanged} unchanged: the same text is indexed already")
    if rest is not None:
        lines += ["", _rest_line(rest)] if _rest_line(rest) else []
    return "\n".join(lines).strip() or "Nothing to do."


def _rest_line(rest: BuildReport) -> str:
    """One line of counts for what an update did beyond the files it was asked to add."""
    duplicates = sum(s.reason.startswith("duplicate of") for s in rest.skipped)
    why = [f"{duplicates} duplicate{'s' if duplicates != 1 else ''} of indexed articles"
           ] if duplicates else []
    if len(rest.skipped) > duplicates:
        why.append(f"{len(rest.skipped) - duplicates} unreadable or empty")
    counts = [f"{len(ids)} {label}" for label, ids in (
        ("added", rest.added), ("updated", rest.updated), ("removed", rest.removed)) if ids]
    if rest.skipped:
        counts.append(f"{len(rest.skipped)} skipped ({', '.join(why)})")
    if not counts:
        return ""
    return f"Elsewhere in the corpus: {', '.join(counts)}; `qa index` lists them."


REPORT_LINES = 10  # of each kind in the add-articles report


def _first(lines: list[str], label: str, total: int | None = None) -> list[str]:
    total = len(lines) if total is None else total
    if total <= REPORT_LINES:
        return lines
    return [*lines[:REPORT_LINES], f"- … and {total - REPORT_LINES:,} more {label}"]
