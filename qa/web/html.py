"""HTML for the chat: the answer sentence, then cited passages grouped by article.

Every piece of article text is HTML-escaped here, so an article containing ``<script>``
shows as text. Kept free of Gradio so it can be tested directly.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlparse

from qa.answer.compose import Answer
from qa.answer.reader import Reading
from qa.ingest.split import sentence_spans
from qa.search.hits import Hit

CSS = """
/* The chat's "Answers" label and its buttons float over the top of the box: the messages
   scroll below them, so no question or answer line is ever under them. */
#qa-chat > .wrapper { padding-top: 34px; box-sizing: border-box; }
#qa-chat .panel-wrap { border-top: 1px solid var(--border-color-primary); }
/* Gradio's jump-to-the-end arrow floated over the cards: it sits in that top strip. */
#qa-chat .scroll-down-button-container { top: 3px; bottom: auto; left: auto; right: 40px;
  transform: none; }
.qa-answer { scroll-margin-top: 12px; }
.qa-best { font-size: 1.05em; margin-bottom: .6em; }
.qa-words { font-size: 1.15em; font-weight: 700; margin: 0 0 .2em; }
.qa-best mark, .qa-passage mark { background: #fff3a3; color: inherit; padding: 0 .1em; }
.qa-none { color: #8a4b00; font-weight: 600; }
.qa-understood { color: #1d4e89; font-size: .9em; font-weight: 600; margin: 0 0 .3em; }
.qa-speaker { color: #555; margin: 0; }
.qa-timeline ol { list-style: none; padding-left: .2em; margin: .3em 0; }
.qa-timeline li { margin: .25em 0; }
.qa-day { font-weight: 700; font-variant-numeric: tabular-nums; }
.qa-facets { color: #555; font-size: .85em; }
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


def _text_with_mark(text: str, reading: Reading | None) -> str:
    if reading is None:
        return escape(text)
    a, b = reading.start, reading.end
    return f"{escape(text[:a])}<mark>{escape(text[a:b])}</mark>{escape(text[b:])}"


def _sentence_html(text: str, reading: Reading) -> str:
    """The reading's sentence, its answer words in bold."""
    if reading.answer is None:
        return escape(text[reading.start : reading.end])
    (a, b), (s, e) = reading.answer, (reading.start, reading.end)
    return f"{escape(text[s:a])}<strong>{escape(text[a:b])}</strong>{escape(text[b:e])}"


def _paragraphs(html: str) -> str:
    # No blank lines inside the card: they would end the HTML block for the Markdown renderer.
    return html.replace("\n\n", "<br>").replace("\n", "<br>")


def _score(hit: Hit, relevant: bool) -> str:
    """The hit's search score, the number `qa ask`, the API and ``Hit.score`` give
    (greyed when nothing answered the question)."""
    low = "" if relevant else " low"
    return (f'<span class="qa-rel{low}" title="search score: how well this passage matches '
            f'the question (the best match scores highest)">{hit.score:.2f}</span>')


def _link(url: str | None) -> str:
    if not url or urlparse(url).scheme not in ("http", "https"):
        return ""
    href = escape(url, quote=True)
    return f' · <a href="{href}" target="_blank" rel="noopener noreferrer">link</a>'


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


def answer_html(answer: Answer) -> str:
    return f'<div class="qa-answer">{_answer_body(answer)}</div>'


def _answer_body(answer: Answer) -> str:
    out: list[str] = []
    if answer.rewritten:
        out.append(f'<p class="qa-searched">Searched for: “{escape(answer.query)}”</p>')
    if answer.understood:
        out.append(f'<p class="qa-understood">{escape(answer.understood)}</p>')
    if not answer.hits:
        asked = escape(answer.question)
        out.append(f'<p class="qa-none">Nothing in these articles matches “{asked}”'
                   " with the current filters.</p>")
        return "".join(out)
    best = answer.best
    if answer.relevant and best:
        hit, reading = best
        if answer.speaker:
            out.append(f'<p class="qa-speaker">{escape(answer.speaker)} said:</p>')
        if answer.shown_words:
            out.append(f'<p class="qa-words">{escape(answer.shown_words)}</p>')
        out.append(f'<p class="qa-best"><mark>{_sentence_html(hit.text, reading)}</mark> — '
                   f"<em>{escape(hit.title)}</em>"
                   f"{', ' + escape(hit.date) if hit.date else ''}"
                   f"{', ' + escape(hit.source) if hit.source else ''}</p>")
    else:
        asked = escape(answer.question)
        out.append(f'<p class="qa-none">Nothing in these articles about “{asked}”.'
                   " The nearest passages are below; they may not answer it.</p>")
    out.append(_timeline(answer))
    if answer.people:  # named in the passages shown below, not elsewhere in their articles
        named = " · ".join(f"{escape(name)} ({n})" for name, n in answer.people)
        out.append(f'<p class="qa-facets">Named in these articles: {named}</p>')
    # Group passages under their article, articles in order of their best passage, by the
    # score each card shows (the hits may come in a news order: newest, quotes first...).
    groups: dict[str, list[tuple[Hit, Reading | None]]] = {}
    for hit, reading in sorted(zip(answer.hits, answer.readings), key=lambda p: -p[0].score):
        groups.setdefault(hit.article_id, []).append((hit, reading))
    for items in groups.values():
        first = items[0][0]
        cards = [_passage(hit, r, answer.relevant) for hit, r in items]
        more = ""
        if len(cards) > 1:
            # Keep the message short: the best passage shows, the others fold away.
            more = (f"<details><summary>{len(cards) - 1} more passage"
                    f"{'s' if len(cards) > 2 else ''} from this article</summary>"
                    f"{''.join(cards[1:])}</details>")
        out.append(f'<div class="qa-article"><div class="qa-title">{escape(first.title)}</div>'
                   f'<div class="qa-meta">{_meta(first)}</div>{cards[0]}{more}</div>')
    return "".join(out)


def _timeline(answer: Answer) -> str:
    """The hits by date, oldest first: open for a "how did it unfold" question, one
    click away for any other whose hits span several dates."""
    entries = answer.timeline()
    if not entries:
        return ""
    lines, shown = [], None
    for e in entries:
        day = f'<span class="qa-day">{escape(e.date)}</span> ' if e.date != shown else ""
        shown = e.date
        lines.append(f"<li>{day}<em>{escape(e.title)}</em>: {escape(e.sentence)}</li>")
    dates = len({e.date for e in entries})
    return (f'<details class="qa-timeline"{" open" if answer.timeline_asked else ""}>'
            f"<summary>Timeline: {len(entries)} articles over {dates} dates</summary>"
            f"<ol>{''.join(lines)}</ol></details>")


def _passage(hit: Hit, reading: Reading | None, relevant: bool) -> str:
    """A compact card: the answering sentence with a sentence either side, the whole
    passage one click away."""
    score = _score(hit, relevant)
    if reading is None:
        return f'<div class="qa-passage">{score}{_paragraphs(escape(hit.text))}</div>'
    spans = [(a, b) for a, b, _ in sentence_spans(hit.text)]
    at = next((i for i, (a, _) in enumerate(spans) if a == reading.start), 0)
    lo, hi = spans[max(0, at - 1)][0], spans[min(len(spans) - 1, at + 1)][1]
    text = hit.text
    marked = reading if relevant else None
    shown = _text_with_mark(text[lo:hi], marked and Reading(
        0, reading.start - lo, reading.end - lo, reading.score, reading.kind))
    cut = (lo, hi) != (0, len(text))
    body = ("… " if lo else "") + shown + (" …" if hi < len(text) else "")
    whole = (f"<details><summary>whole passage</summary>"
             f"{_paragraphs(_text_with_mark(text, marked))}</details>") if cut else ""
    return f'<div class="qa-passage">{score}{_paragraphs(body)}{whole}</div>'
