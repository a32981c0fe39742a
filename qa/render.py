"""HTML for the chat: the answer sentence, then cited passages grouped by article.

Every piece of article text is HTML-escaped here, so an article containing ``<script>``
shows as text. Kept free of Gradio so it can be tested directly.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlparse

from .answer import Answer, Highlight
from .build import BuildReport
from .display import markdown_code, markdown_text
from .ingest import Skipped
from .search import Hit

CSS = """
.qa-best { font-size: 1.05em; margin-bottom: .6em; }
.qa-best mark, .qa-passage mark { background: #fff3a3; color: inherit; padding: 0 .1em; }
.qa-none { color: #8a4b00; font-weight: 600; }
.qa-searched { color: #666; font-size: .9em; }
.qa-article { border: 1px solid #ddd; border-radius: 8px; padding: .5em .75em; margin: .5em 0; }
.qa-title { font-weight: 600; }
.qa-meta { color: #666; font-size: .85em; margin-bottom: .3em; }
.qa-passage { margin: .35em 0; line-height: 1.45; }
.qa-rel { font-size: .8em; color: #2b6e2b; margin-right: .4em; white-space: nowrap; }
.qa-rel.low { color: #999; }
.qa-also { font-size: .85em; color: #666; }
.qa-article summary { cursor: pointer; color: #555; font-size: .9em; }
"""


def _text_with_mark(text: str, highlight: Highlight | None) -> str:
    if highlight is None:
        return escape(text)
    a, b = highlight.start, highlight.end
    return f"{escape(text[:a])}<mark>{escape(text[a:b])}</mark>{escape(text[b:])}"


def _paragraphs(html: str) -> str:
    # No blank lines inside the card: they would end the HTML block for the Markdown renderer.
    return html.replace("\n\n", "<br>").replace("\n", "<br>")


def _relevance(score: float, threshold: float) -> str:
    filled = 3 if score >= threshold + 0.15 else 2 if score >= threshold else 1
    dots = "●" * filled + "○" * (3 - filled)
    low = "" if score >= threshold else " low"
    return f'<span class="qa-rel{low}" title="similarity to the question">{dots} {score:.2f}</span>'


def _link(url: str | None) -> str:
    if not url or urlparse(url).scheme not in ("http", "https"):
        return ""
    return f' · <a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">link</a>'


def _meta(hit: Hit) -> str:
    parts = [escape(x) for x in (hit.date, hit.source) if x]
    parts.append(f"<code>{escape(hit.article_id)}</code>")
    also = ""
    if hit.also_in:  # the same story elsewhere (wire copy, re-saved article)
        names = ", ".join(f"<code>{escape(a)}</code>" for a in hit.also_in)
        also = f'<div class="qa-also">also in: {names}</div>'
    return " · ".join(parts) + _link(hit.url) + also


def error_html(message: str) -> str:
    return f'<div class="qa-answer qa-error">⚠️ {escape(message)}</div>'


def answer_html(answer: Answer, threshold: float) -> str:
    return f'<div class="qa-answer">{_answer_body(answer, threshold)}</div>'


def _answer_body(answer: Answer, threshold: float) -> str:
    out: list[str] = []
    if answer.rewritten:
        out.append(f'<p class="qa-searched">Searched for: “{escape(answer.query)}”</p>')
    if not answer.hits:
        out.append(f'<p class="qa-none">Nothing in these articles matches “{escape(answer.question)}”'
                   " with the current filters.</p>")
        return "".join(out)
    best = answer.best
    if answer.relevant and best:
        hit, hl = best
        sentence = escape(hit.text[hl.start : hl.end])
        out.append(f'<p class="qa-best"><mark>{sentence}</mark> — <em>{escape(hit.title)}</em>'
                   f"{', ' + escape(hit.date) if hit.date else ''}"
                   f"{', ' + escape(hit.source) if hit.source else ''}</p>")
    else:
        out.append(f'<p class="qa-none">Nothing in these articles about “{escape(answer.question)}”.'
                   " The nearest passages are below; they may not answer it.</p>")
    # Group passages under their article, articles in order of their best passage.
    groups: dict[str, list[tuple[Hit, Highlight | None]]] = {}
    for hit, hl in zip(answer.hits, answer.highlights):
        groups.setdefault(hit.article_id, []).append((hit, hl))
    for items in groups.values():
        first = items[0][0]
        cards = [_passage(hit, hl, threshold, answer.relevant) for hit, hl in items]
        more = ""
        if len(cards) > 1:
            # Keep the message short: the best passage shows, the others fold away.
            more = (f"<details><summary>{len(cards) - 1} more passage"
                    f"{'s' if len(cards) > 2 else ''} from this article</summary>"
                    f"{''.join(cards[1:])}</details>")
        out.append(f'<div class="qa-article"><div class="qa-title">{escape(first.title)}</div>'
                   f'<div class="qa-meta">{_meta(first)}</div>{cards[0]}{more}</div>')
    return "".join(out)


def _passage(hit: Hit, hl: Highlight | None, threshold: float, relevant: bool) -> str:
    body = _paragraphs(_text_with_mark(hit.text, hl if relevant else None))
    return (f'<div class="qa-passage">{_relevance(hl.score if hl else 0.0, threshold)}'
            f"{body}</div>")


def report_markdown(report: BuildReport | None, refused: tuple[Skipped, ...] = ()) -> str:
    """The add-articles report: what was added, changed, skipped and why."""
    # Names and reasons come from uploaded files: escaped so none can add a line or markup.
    lines: list[str] = []
    for skip in refused:
        lines.append(f"- **refused** {markdown_code(skip.id)}: {markdown_text(skip.reason)}")
    if report is not None:
        for label, ids in (("added", report.added), ("updated", report.updated),
                           ("removed", report.removed)):
            lines.extend(f"- **{label}** {markdown_code(i)}" for i in ids)
        lines.extend(f"- **skipped** {markdown_code(s.id)}: {markdown_text(s.reason)}"
                     for s in report.skipped)
        lines.append("")
        lines.append(report.summary())
    return "\n".join(lines) or "Nothing to do."
