"""The chat page as a person sees it, in headless Chromium (issue "A newcomer's first
hour", items 2, 5, 6 and 8): nothing covers a line of an answer or a question, one font
per heading and button, examples that ask, one score everywhere, and an upload's report
under the upload.

The app and browser fixtures are test_web's (a server of this module's own).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import test_web
from test_web import GOR, ask, open_uploads, start_app, stop_app, upload

from helpers.data import BBC

browser, server = test_web.browser, test_web.server  # its fixtures, serving this module too

LONG_FIRST = "what did the party leaders say about the election campaign?"

# Where the first line of ``el`` is drawn, and what covers it: the points of the line
# where the browser finds another element on top (``misses``), and every other element
# drawn (clipped by its scrolling ancestors) whose box meets the line (``covers``) - the
# latter also catches overlays that let clicks through (Gradio's floating label has
# ``pointer-events: none``, so hit-testing alone never sees it).
FIRST_LINE = """(el) => {
  const name = (e) => e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (typeof e.className === 'string' && e.className.trim()
       ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
      (e.dataset && e.dataset.testid ? `[${e.dataset.testid}]` : '') : 'nothing';
  const rects = [];
  const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let t = texts.nextNode(); t; t = texts.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(t);
    rects.push(...[...range.getClientRects()].filter(r => r.width > 1 && r.height > 1));
  }
  if (!rects.length) return {inView: false, misses: ['no text'], covers: []};
  const top = Math.min(...rects.map(r => r.top));
  const first = rects.filter(r => r.top < top + r.height / 2);
  const line = {left: Math.min(...first.map(r => r.left)),
                right: Math.max(...first.map(r => r.right)),
                top: Math.min(...first.map(r => r.top)),
                bottom: Math.max(...first.map(r => r.bottom))};
  const inView = line.top >= 0 && line.left >= 0 && line.bottom <= innerHeight
      && line.right <= innerWidth;
  const misses = [];
  for (const r of first) for (const f of [0.02, 0.25, 0.5, 0.75, 0.98]) {
    const hit = document.elementFromPoint(r.left + f * r.width, (r.top + r.bottom) / 2);
    if (!hit || !(hit === el || el.contains(hit))) misses.push(name(hit));
  }
  const covers = [];
  for (const other of document.body.querySelectorAll('*')) {
    if (other === el || other.contains(el) || el.contains(other)) continue;
    const b = window.qaDrawnBox(other);
    if (b && b.left < line.right - 1 && b.right > line.left + 1 && b.top < line.bottom - 1
        && b.bottom > line.top + 1) covers.push(name(other));
  }
  return {inView, misses, covers};
}"""
# The box an element is drawn in: None when it is not drawn (hidden, transparent, inside a
# closed <details>), else its box clipped by every ancestor that clips its overflow.
DRAWN_BOX = """() => { window.qaDrawnBox = (e) => {
  const b = e.getBoundingClientRect();
  let box = {left: b.left, right: b.right, top: b.top, bottom: b.bottom};
  for (let a = e; a && a !== document.documentElement; a = a.parentElement) {
    const cs = getComputedStyle(a);
    if (cs.display === 'none' || cs.visibility !== 'visible' || parseFloat(cs.opacity) === 0)
      return null;
    const fold = a.parentElement;
    if (fold && fold.tagName === 'DETAILS' && !fold.open && a.tagName !== 'SUMMARY')
      return null;
    if (a !== e && (cs.overflowX !== 'visible' || cs.overflowY !== 'visible')) {
      const c = a.getBoundingClientRect();
      box = {left: Math.max(box.left, c.left), right: Math.min(box.right, c.right),
             top: Math.max(box.top, c.top), bottom: Math.min(box.bottom, c.bottom)};
    }
  }
  return box.right - box.left > 0 && box.bottom - box.top > 0 ? box : null;
}; }"""


def _open(browser, url: str, width: int = 1280, height: int = 1000):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#qa-question textarea")
    page.evaluate(DRAWN_BOX)
    return context, page


def _first_line(page, locator) -> dict:
    return page.evaluate(FIRST_LINE, locator.element_handle())


@pytest.mark.parametrize(("width", "height"), [(1280, 1000), (390, 844)])
def test_no_line_of_an_answer_or_a_question_is_covered(browser, server, width: int,
                                                       height: int) -> None:
    """The answer's first line (answer words, lead or "nothing found") once it has
    arrived and been scrolled to, and each question with its message at the top of the
    chat: on screen, and no other element drawn over any part of it."""
    context, page = _open(browser, server["url"], width, height)
    for question in (LONG_FIRST, GOR, "When is the critical minerals ministerial?"):
        ask(page, question)
        page.wait_for_timeout(300)  # the answer is scrolled to once it has rendered
        first = page.locator("#qa-chat .qa-answer").last.locator(":scope > *").first
        seen = _first_line(page, first)
        assert seen["inView"] and not seen["misses"] and not seen["covers"], (
            width, question, seen)
        asked = page.locator("#qa-chat .user-row .message-content").last
        asked.evaluate("(el) => el.closest('.message-row').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(100)
        seen = _first_line(page, asked)
        assert seen["inView"] and not seen["misses"] and not seen["covers"], (
            width, question, seen)
    context.close()


def test_the_scroll_arrow_covers_no_card(browser, server) -> None:
    """Gradio's jump-to-the-end arrow shows while the chat is not at its end: it must
    not sit on a card's text."""
    context, page = _open(browser, server["url"], 390, 844)
    ask(page, GOR)
    ask(page, LONG_FIRST)
    page.wait_for_timeout(300)
    overlaps = page.evaluate("""() => {
      const arrow = document.querySelector('#qa-chat .scroll-down-button-container');
      const a = arrow && window.qaDrawnBox(arrow);
      if (!a) return [];
      return [...document.querySelectorAll('#qa-chat .qa-answer *')]
        .map(e => [e, window.qaDrawnBox(e)])
        .filter(([e, b]) => b && b.left < a.right && b.right > a.left && b.top < a.bottom
                            && b.bottom > a.top)
        .map(([e, b]) => e.className || e.tagName);
    }""")
    assert overlaps == []
    context.close()


def test_a_try_asking_example_asks_when_clicked(browser, server) -> None:
    context, page = _open(browser, server["url"])
    example = page.locator("#qa-examples").get_by_text(
        "What did Gor and Jaishankar discuss?", exact=True)
    example.click()
    page.locator("#qa-chat .qa-answer").first.wait_for(timeout=60_000)
    assert "defence cooperation" in page.locator("#qa-chat .qa-answer").first.inner_text()
    assert page.locator("#qa-chat .user-row").first.inner_text().strip() == (
        "What did Gor and Jaishankar discuss?")
    context.close()


def test_headings_buttons_and_bold_words_are_drawn_in_one_font(browser, server) -> None:
    """Chromium drew "News QA" and "Ask" half in Source Sans Pro SemiBold (a subset of a
    few letters, as Gradio ships it) and half in DejaVu Sans Bold."""
    context, page = _open(browser, server["url"])
    ask(page, "When is the critical minerals ministerial?")  # bold answer words: 4 February
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.evaluate("[...document.fonts].filter(f => f.status === 'error').length") == 0
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    for selector in ("h1", "#qa-ask", "#qa-status strong", "#qa-examples .gallery",
                     "#qa-chat .qa-words", "#qa-chat .qa-title", "#qa-chat .qa-best"):
        nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})
        fonts = [f for node in nodes["nodeIds"][:3] for f in cdp.send(
            "CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if f["glyphCount"]]
        # Every glyph from the page's own font (Gradio's Source Sans Pro files, whose
        # fonts call themselves Source Sans 3), none from a fallback.
        drawn = {(f["familyName"], f["isCustomFont"]) for f in fonts}
        assert drawn == {("Source Sans 3", True)}, (selector, fonts)
    context.close()


def test_the_date_filters_say_every_form_they_take(browser, server) -> None:
    context, page = _open(browser, server["url"])
    page.get_by_text("Search options").click()
    for box in ("#qa-since", "#qa-until"):
        label = page.locator(box).inner_text()
        assert all(form in label for form in ("YYYY,", "YYYY-MM ", "YYYY-MM-DD")), label
    context.close()


def test_the_chat_shows_the_librarys_score_and_cards_in_its_order(browser, server) -> None:
    """The same passage has one score: ``Hit.score`` from the library, the API's
    ``score`` and the chat's card; the cards come in its order."""
    from gradio_client import Client

    from qa import Retriever, Settings
    from qa.answer.compose import answer

    settings = Settings(index_dir=server["home"] / "index", corpus_dir=server["home"] / "corpus")
    hits = answer(Retriever.load(settings=settings), GOR).hits
    best = max(hits, key=lambda h: h.score)
    api = Client(server["url"], verbose=False).predict(GOR, 5, "hybrid", "", "", "",
                                                       api_name="/answer")["hits"]
    assert max(h["score"] for h in api) == pytest.approx(best.score)

    context, page = _open(browser, server["url"])
    ask(page, GOR)
    shown = page.locator("#qa-chat .qa-answer").last
    articles = shown.locator(".qa-article").all()
    firsts = [float(a.locator(".qa-rel").first.text_content()) for a in articles]
    assert firsts[0] == round(best.score, 2)
    assert best.text[:40] in articles[0].text_content().replace("… ", "")  # the same passage
    assert firsts == sorted(firsts, reverse=True)
    for article in articles:  # folded passages too
        scores = [float(s) for s in article.locator(".qa-rel").all_text_contents()]
        assert scores == sorted(scores, reverse=True)
    assert sorted(float(s) for s in shown.locator(".qa-rel").all_text_contents()) == sorted(
        round(h.score, 2) for h in hits)
    context.close()


@pytest.fixture
def app_with_duplicates(server, tmp_path: Path):
    """An app whose corpus holds, besides what its index has, 12 copies of indexed
    articles under other names: every update skips them as duplicates."""
    home = tmp_path / "dup-app"
    shutil.copytree(server["home"] / "corpus", home / "corpus")
    shutil.copytree(server["home"] / "index", home / "index")
    originals = sorted((BBC / "politics").glob("*.txt"))[:6]
    for n in range(12):
        shutil.copy(originals[n % 6], home / "corpus" / f"copy-{n}-{originals[n % 6].name}")
    proc, url = start_app(home, home / "index")
    yield {"url": url, "home": home}
    stop_app(proc)


def test_one_upload_reports_itself_under_the_upload(browser, app_with_duplicates,
                                                    tmp_path: Path) -> None:
    context, page = _open(browser, app_with_duplicates["url"])
    story = tmp_path / "harbour.txt"
    story.write_text("Harbour crane collapses\n\nA crane at the harbour fell over in high "
                     "winds on Tuesday; nobody was hurt, the port authority said.")
    open_uploads(page)
    report = upload(page, story)
    lines = [line for line in report.splitlines() if line.strip()]
    assert lines[0].startswith("1 added, 0 updated")
    assert any("added" in line and "uploads/harbour.txt" in line for line in lines)
    assert not any("copy-" in line for line in lines)  # the others are not listed...
    (rest,) = [line for line in lines if "duplicate" in line]  # ...but counted, once
    assert "12 skipped (12 duplicates of indexed articles)" in rest
    assert len(lines) <= 4
    assert page.locator("#qa-fetch-report").inner_text().strip() == ""
    context.close()
