"""What the web chat does, without its layout: answering, following rebuilds, search over
the API, adding articles. Handlers never raise to Gradio: errors become a friendly line.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is imported

import gradio as gr  # noqa: E402

from .answer import answer  # noqa: E402
from .build import build_index  # noqa: E402
from .errors import BadRequest, QAError  # noqa: E402
from .filters import Filters  # noqa: E402
from .render import answer_html, error_html, report_markdown  # noqa: E402
from .search import Retriever  # noqa: E402
from .settings import Settings  # noqa: E402
from .uploads import save_uploads  # noqa: E402

log = logging.getLogger(__name__)

FILE_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]
CANDIDATE_EXAMPLES = (
    "What did Gor and Jaishankar discuss?",
    "When is the critical minerals ministerial?",
    "Which company made the award-winning pocket hard drive shown in Las Vegas?",
    "Why did Chelsea sack Adrian Mutu?",
    "What happened to Yukos?",
)
SOMETHING_WRONG = "Something went wrong on our side; the details are in the server log."


def status_line(retriever: Retriever) -> str:
    m = retriever.manifest
    return (f"**{m['counts']['articles']}** articles · **{m['counts']['passages']}** passages · "
            f"model {m['identity']['model']} · built {m['built_at'].replace('T', ' ')}")


def _clean(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _whole(value: object) -> int:
    """``k`` as sent by a slider (a float) or a client (anything): a whole number, or a
    :class:`BadRequest` (the library checks the range)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise BadRequest(f"k must be a whole number, not {str(value)[:20]!r}")


def _filters(mode: str | None, since: str | None, until: str | None,
             source: str | None) -> Filters:
    return Filters(mode=mode or None, since=_clean(since), until=_clean(until),  # type: ignore[arg-type]
                   source=_clean(source))


class ChatApp:
    """State shared by every session: one retriever, one rebuild at a time."""

    def __init__(self, retriever: Retriever, settings: Settings) -> None:
        self.retriever = retriever
        self.settings = settings
        self.adder = ArticleAdder(retriever, settings, self)
        self._check_lock = threading.Lock()
        self._checked = time.monotonic()

    def _follow_rebuilds(self) -> None:
        """Pick up an index rebuilt by `qa index` while the app runs (checked every 5 s
        by one request at a time)."""
        with self._check_lock:
            if time.monotonic() - self._checked < 5 or self.adder.busy:
                return
            self._checked = time.monotonic()
        self.retriever.refresh()

    def page_state(self) -> tuple:
        """Status line, source menu and version name for a page being loaded."""
        return (status_line(self.retriever), gr.update(choices=self.sources()),
                self.retriever.snapshot.name)

    def _index_outputs(self, shown: str | None) -> tuple:
        """The status line and source menu, when the page shows another version."""
        if shown == self.retriever.snapshot.name:
            return gr.skip(), gr.skip(), gr.skip()
        return self.page_state()

    # -- chat -----------------------------------------------------------------------------
    def respond(self, message: str, history: list, previous_query: str | None, mode: str,
                k: float, since: str, until: str, source: str | None, shown: str | None):
        history = list(history or [])
        question = message.strip() if isinstance(message, str) else ""
        if not question:
            return history, "", previous_query, gr.skip(), gr.skip(), gr.skip()
        history.append({"role": "user", "content": question[: self.settings.max_question_chars]})
        try:
            self._follow_rebuilds()
            result = answer(self.retriever, question, previous_query=previous_query,
                            k=_whole(k), filters=_filters(mode, since, until, source))
            reply = answer_html(result, self.retriever.settings.min_relevance)
            previous_query = result.query
        except QAError as exc:
            reply = error_html(str(exc))
        except Exception:
            log.exception("chat failed")
            reply = error_html(SOMETHING_WRONG)
        history.append({"role": "assistant", "content": reply})
        return (history, "", previous_query, *self._index_outputs(shown))

    def api_search(self, question: str, k: int = 5, mode: str = "hybrid", since: str = "",
                   until: str = "", source: str = "") -> list[dict]:
        """Passages that answer `question`, best first, as JSON objects with text, score,
        article_id, title, date, source, url and character offsets."""
        hits = self._api(self.retriever.search, question, k, mode, since, until, source)
        return [hit.to_dict() for hit in hits]

    def api_answer(self, question: str, k: int = 5, mode: str = "hybrid", since: str = "",
                   until: str = "", source: str = "") -> dict:
        """The answer to `question`: `lead` (the sentence that answers, its offsets in
        the lead hit's text, and the answer words with their offsets, or null),
        `relevant`, and `hits` as from /search."""
        return self._api(partial(answer, self.retriever), question, k, mode, since, until,
                         source).to_dict()

    def _api(self, call, question: str, k: object, mode: str, since: str, until: str,
             source: str):
        """``call(question, k=..., filters=...)`` for an API caller: bad requests become one
        clear error, anything else a friendly one (the details go to the log)."""
        try:
            self._follow_rebuilds()
            return call(question, k=_whole(k), filters=_filters(mode, since, until, source))
        except QAError as exc:
            raise gr.Error(str(exc)) from None
        except Exception:
            log.exception("API call failed")
            raise gr.Error(SOMETHING_WRONG) from None

    def examples(self) -> list[str]:
        """Candidate questions this corpus can answer, plus a few from its headlines."""
        found = []
        titles = self.retriever.snapshot.recent_titles(limit=3, max_length=70)
        for question in [*CANDIDATE_EXAMPLES, *(f"What happened: {t}?" for t in titles)]:
            try:
                if answer(self.retriever, question, k=3).relevant:
                    found.append(question)
            except QAError:
                continue
            if len(found) == 4:
                break
        return found

    # -- adding articles --------------------------------------------------------------------
    def sources(self) -> list[str]:
        return self.retriever.snapshot.sources_shown()


class ArticleAdder:
    """The "Add articles" panel: uploads saved into the corpus, then one index update at
    a time, with a report of what happened to each file."""

    def __init__(self, retriever: Retriever, settings: Settings, chat: ChatApp) -> None:
        self.retriever, self.settings, self.chat = retriever, settings, chat
        self.lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self.lock.locked()

    def add_articles(self, files: list | None, token: str, progress=gr.Progress()):
        """Save the uploaded files into the corpus and update the index; the report says
        what happened to each file. Gradio's temporary copies are deleted either way."""
        try:
            return self._add(files or [], token, progress)
        finally:
            remove_uploaded(files or [])

    def _add(self, files: list, token: str, progress) -> tuple:
        expected = self.settings.upload_token
        if expected and not hmac.compare_digest((token or "").encode(), expected.encode()):
            return "⚠️ Wrong upload token - ask whoever runs this app for it.", gr.skip(), gr.skip()
        if not files:
            return "Choose one or more files first.", gr.skip(), gr.skip()
        pairs = [(Path(f), Path(getattr(f, "orig_name", None) or f).name) for f in files]
        if not self.lock.acquire(blocking=False):
            return "⚠️ Another update is running - try again when it has finished.", gr.skip(), gr.skip()
        try:
            saved = save_uploads(pairs, self.settings)
            if not saved.saved:
                return report_markdown(None, saved.refused), gr.skip(), gr.skip()
            progress(0, desc="Reading articles")

            def on_progress(done: int, total: int) -> None:
                progress((done, total), desc="Embedding passages", unit="passages")

            try:
                report = build_index(self.settings.corpus_dir, settings=self.settings,
                                     embedder=self.retriever.embedder, progress=on_progress)
            except Exception as exc:  # the files are saved: say so, whatever went wrong
                if not isinstance(exc, QAError):
                    log.exception("updating the index after an upload failed")
                why = str(exc) if isinstance(exc, QAError) else SOMETHING_WRONG
                return (f"⚠️ Saved {', '.join(saved.saved)} in the corpus, but updating the "
                        f"index failed: {why} The files will be indexed by the next update "
                        "that succeeds; the previous index is still serving.",
                        gr.skip(), gr.skip())
            self.retriever.refresh()  # chat switches to the new index only now
            return (report_markdown(report, saved.refused), status_line(self.retriever),
                    gr.update(choices=self.chat.sources()))
        except QAError as exc:
            return f"⚠️ {exc}", gr.skip(), gr.skip()
        except Exception:
            log.exception("adding articles failed")
            return f"⚠️ {SOMETHING_WRONG} The previous index is still serving.", gr.skip(), gr.skip()
        finally:
            self.lock.release()


def remove_uploaded(files: list) -> None:
    """Delete Gradio's temporary copies of uploaded files (only inside its upload folder)."""
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()).resolve()
    for f in files:
        path = Path(f).resolve()
        if path.is_relative_to(folder) and path.is_file():
            path.unlink(missing_ok=True)
