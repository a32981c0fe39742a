"""The Gradio web chat: its layout, and serving it with safe defaults.

A thin layer over the library: what each control does lives in :mod:`qa.web.handlers`, retrieval
in :mod:`qa.search.retriever` / :mod:`qa.answer.compose`, HTML in :mod:`qa.web.html`.
"""

from __future__ import annotations

import hmac
import logging
from functools import partial
from http.cookies import Morsel, SimpleCookie
from urllib.parse import unquote

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse

from qa.embed.model import SentenceTransformerEmbedder
from qa.errors import IndexNotFound
from qa.index.build import build_index
from qa.search.retriever import Retriever
from qa.settings import Settings

from .gate import TOKEN_COOKIE, ApiGate
from .handlers import FILE_TYPES, ChatApp, gr, status_line  # the first to import Gradio
from .html import CSS

log = logging.getLogger(__name__)

PERIOD = "YYYY, YYYY-MM or YYYY-MM-DD"  # what the date filters take (qa.search.filters)


def build_app(retriever: Retriever, settings: Settings, chat: ChatApp | None = None) -> gr.Blocks:
    chat = chat or ChatApp(retriever, settings)
    answering = settings.concurrency  # questions at once, shared by the chat and the API
    # Gradio's own temporary copies older than an hour go every 10 minutes.
    with gr.Blocks(title="News QA", analytics_enabled=False, delete_cache=(600, 3600)) as app:
        gr.Markdown("# News QA\nAsk a question; the answer is the passage that says it, "
                    "with where it came from.")
        status = gr.Markdown(status_line(retriever), elem_id="qa-status")
        previous_query = gr.State(None)
        shown = gr.State(None)  # the index version this page's status line describes
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Answers", height=560, elem_id="qa-chat",
                                     sanitize_html=True, feedback_options=None,
                                     buttons=["copy"], layout="panel", autoscroll=False)
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about the articles…", show_label=False,
                                     scale=5, elem_id="qa-question",
                                     max_length=settings.max_question_chars)
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                    clear = gr.Button("New conversation", scale=1)
                examples = chat.examples()
                # Not gr.Examples: it fills the box through an unqueued call, which the
                # ApiGate refuses; a click on one of these asks it (one queued event).
                tried = gr.Dataset(components=[box], samples=[[q] for q in examples],
                                   type="index", label="Try asking",
                                   elem_id="qa-examples") if examples else None
            with gr.Column(scale=1):
                with gr.Accordion("Search options", open=False):
                    mode = gr.Radio(["hybrid", "dense", "bm25"], value=settings.mode,
                                    label="Retrieval")
                    k = gr.Slider(1, 20, value=settings.k, step=1, label="Passages")
                    since = gr.Textbox(label=f"Since ({PERIOD})", elem_id="qa-since")
                    until = gr.Textbox(label=f"Until ({PERIOD})", elem_id="qa-until")
                    source = gr.Dropdown(chat.sources(), value=None, label="Source",
                                         allow_custom_value=True, elem_id="qa-source")
                    person = gr.Dropdown(chat.people(), value=None, label="Person named",
                                         allow_custom_value=True, elem_id="qa-person")
                    as_of = gr.Textbox(label="Read 'last week', 'in July' as of (YYYY-MM-DD)",
                                       placeholder="today, or the newest article's date",
                                       elem_id="qa-as-of")
                with gr.Accordion("Add articles", open=False):
                    files = gr.File(file_count="multiple", file_types=FILE_TYPES,
                                    label=f"Articles ({', '.join(FILE_TYPES)})",
                                    elem_id="qa-upload")
                    token = gr.Textbox(label="Upload token", type="password",
                                       visible=bool(settings.upload_token),
                                       elem_id="qa-token")
                    add = gr.Button("Add to index", elem_id="qa-add")
                    # Each action reports under its own button: what it changed.
                    added = gr.Markdown(elem_id="qa-upload-report")
                    urls = gr.Textbox(label="Or web pages (one address per line)", lines=2,
                                      placeholder="https://…", elem_id="qa-urls")
                    fetch = gr.Button("Fetch and add", elem_id="qa-fetch")
                    fetched = gr.Markdown(elem_id="qa-fetch-report")
        inputs = [chatbot, previous_query, mode, k, since, until, source]  # after the question
        outputs = [chatbot, box, previous_query]
        asking = [(box.submit, chat.respond, box), (ask.click, chat.respond, box)]
        if tried:  # a "Try asking" example asks at once, as if typed and sent
            asking.append((tried.click, partial(chat.respond_example, examples), tried))
        for trigger, respond, question in asking:
            trigger(respond, [question, *inputs, shown, person, as_of],
                    [*outputs, status, source, shown],
                    api_visibility="private", concurrency_limit=answering,
                    concurrency_id="chat",
                    ).then(None, js=SHOW_LEAD_JS)
        clear.click(lambda: ([], "", None), None, outputs, api_visibility="private")
        app.load(chat.page_state, None, [status, source, shown], api_visibility="private")
        # The browser sends the token with its uploads too (see UploadGate).
        token.change(None, token, None, js=TOKEN_COOKIE_JS, api_visibility="private")
        # Updates run one at a time (the Updater's turn), but a second caller must reach the
        # handler to be told so at once, not wait in Gradio's queue behind a long fetch.
        add.click(chat.adder.add_articles, [files, token], [added, status, source],
                  api_visibility="private", concurrency_limit=4, concurrency_id="rebuild")
        fetch.click(chat.adder.add_urls, [urls, token], [fetched, status, source],
                    api_visibility="private", concurrency_limit=4, concurrency_id="rebuild")
        for handler, name in ((chat.api_search, "search"), (chat.api_answer, "answer")):
            gr.api(handler, api_name=name, concurrency_limit=answering, concurrency_id="chat")
    return app


def theme() -> gr.themes.Base:
    """Gradio's default look with font files it ships whole. Its Source Sans Pro and IBM
    Plex Mono SemiBold files are subsets of a few letters, so Chromium drew headings and
    buttons (weight 600) half in them and half in a fallback font ("News QA", "Ask"):
    declaring only the Regular and Bold files makes weight 600 use Bold, one font."""
    whole = (400, 700)
    return gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro", weights=whole), "ui-sans-serif",
              "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=whole), "ui-monospace",
                   "Consolas", "monospace"])


def load_or_build(settings: Settings) -> Retriever:
    """The retriever for ``settings.index_dir``, indexing the corpus first if needed."""
    try:
        return Retriever.load(settings=settings)
    except IndexNotFound:
        log.warning("no index at %s/ yet: indexing %s/ first", settings.index_dir,
                    settings.corpus_dir)
    embedder = SentenceTransformerEmbedder(settings)
    report = build_index(settings.corpus_dir, settings=settings, embedder=embedder)
    log.warning("%s", report.summary())
    return Retriever.load(settings=settings, embedder=embedder)


# After an answer arrives: bring its first line (the lead sentence, or the "nothing
# found" line) to the top of the view, not the end of its last card.
SHOW_LEAD_JS = """() => { setTimeout(() => {
  const answers = document.querySelectorAll('#qa-chat .qa-answer');
  const last = answers[answers.length - 1];
  if (last) last.scrollIntoView({block: 'start', behavior: 'instant'});
}, 50); return []; }"""
TOKEN_COOKIE_JS = (f"(t) => {{ document.cookie = '{TOKEN_COOKIE}=' + encodeURIComponent(t) + "
                   "'; path=/; SameSite=Strict'; return []; }")


class UploadGate:
    """ASGI middleware: with an upload token set, Gradio's upload route refuses a request
    without it (cookie or ``X-Upload-Token`` header) before reading the body, so no file
    from an anonymous caller reaches the disk."""

    def __init__(self, app, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send) -> None:
        if self.token and scope["type"] == "http" and scope["path"].endswith("/upload"):
            headers = Headers(scope=scope)
            given = headers.get("x-upload-token") or unquote(
                SimpleCookie(headers.get("cookie", "")).get(TOKEN_COOKIE, Morsel()).value or "")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                await _discard_body(receive)
                await PlainTextResponse("uploads need the upload token - enter it in the "
                                        "Add articles panel first", 401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _discard_body(receive, limit: int = 16 * 2**20) -> None:
    """Read and drop a refused request's body (up to ``limit``), so the client gets the
    answer instead of a broken connection; nothing is kept."""
    seen, more = 0, True
    while more and seen <= limit:
        message = await receive()
        seen += len(message.get("body", b""))
        more = message.get("more_body", False)


def launch(app: gr.Blocks, settings: Settings, **overrides: object):
    """Start serving with the safe defaults (loopback, no share link, size limits)."""
    app.queue(api_open=False, default_concurrency_limit=1)
    events = app.fns  # every event of the page, by number: what /queue/join may name
    public = {f.api_name for f in events.values() if f.api_visibility == "public" and f.api_name}
    gate = Middleware(
        ApiGate, token=settings.upload_token, public=public, events=set(events),
        public_events={i for i, f in events.items() if f.api_name in public},
        gated={i for i, f in events.items()
               if getattr(f.fn, "__name__", None) in ("add_articles", "add_urls")},
        max_body=settings.max_request_bytes)
    options = dict(
        app_kwargs={"middleware": [Middleware(UploadGate, token=settings.upload_token), gate]},
        server_name=settings.host, server_port=settings.port, share=False,
        max_file_size=settings.max_upload_bytes, enable_monitoring=False, show_error=False,
        blocked_paths=[str(settings.index_dir.resolve()), str(settings.corpus_dir.resolve())],
        css=CSS, theme=theme(), ssr_mode=False, mcp_server=False, footer_links=["api"], quiet=True,
    )
    options.update(overrides)
    return app.launch(**options)


def serve(settings: Settings) -> None:
    from . import jobs

    retriever = load_or_build(settings)
    chat = ChatApp(retriever, settings)
    app = build_app(retriever, settings, chat)
    jobs.start(chat.updater, settings)
    print(f"News QA on http://{settings.host}:{settings.port}", flush=True)
    launch(app, settings)
