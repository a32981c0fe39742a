"""What the web chat does, without its layout: answering, following rebuilds, search over
the API, adding articles. Handlers never raise to Gradio: errors become a friendly line.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is imported

import gradio as gr  # noqa: E402

from qa.answer.compose import answer  # noqa: E402
from qa.errors import BadRequest, QAError  # noqa: E402
from qa.index.updater import Updater  # noqa: E402
from qa.news.question_dates import as_of_day  # noqa: E402
from qa.search.filters import Filters  # noqa: E402
from qa.search.retriever import Retriever  # noqa: E402
from qa.settings import Settings  # noqa: E402

from .add_panel import SOMETHING_WRONG, ArticleAdder  # noqa: E402
from .html import answer_html, error_html  # noqa: E402

log = logging.getLogger(__name__)

_WHOLE = re.compile(r"-?[0-9]{1,11}")
# Messages a conversation keeps (the browser sends them all with every question).
MAX_HISTORY = 60
FILE_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]
CANDIDATE_EXAMPLES = (
    "What did Gor and Jaishankar discuss?",
    "When is the critical minerals ministerial?",
    "Which company made the award-winning pocket hard drive shown in Las Vegas?",
    "Why did Chelsea sack Adrian Mutu?",
    "What happened to Yukos?",
)


def status_line(retriever: Retriever) -> str:
    m = retriever.manifest
    return (f"**{m['counts']['articles']}** articles · **{m['counts']['passages']}** passages · "
            f"model {m['identity']['model']} · built {m['built_at'].replace('T', ' ')}")


def _clean(value: object) -> object:
    """Text stripped (empty: None); anything else as it came, for the library to refuse
    (a number or a dict for ``since`` must not quietly mean "no filter")."""
    return value.strip() or None if isinstance(value, str) else value


def _whole(value: object) -> int:
    """``k`` as sent by a slider (a float) or a client (anything): a whole number, or a
    :class:`BadRequest` (the library checks the range)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) < 12 and _WHOLE.fullmatch(value.strip()):
        return int(value)  # ASCII digits only: "²" is a digit to str.isdigit, not to int
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise BadRequest(f"k must be a whole number, not {str(value)[:20]!r}")


def _filters(mode: str | None, since: str | None, until: str | None,
             source: str | None, person: str | None = None) -> Filters:
    return Filters(mode=mode or None, since=_clean(since), until=_clean(until),  # type: ignore[arg-type]
                   source=_clean(source), person=_clean(person))


class ChatApp:
    """State shared by every session: one retriever, one rebuild at a time."""

    def __init__(self, retriever: Retriever, settings: Settings) -> None:
        self.retriever = retriever
        self.settings = settings
        # One update at a time, shared by the add panel and the background jobs; readers
        # switch to a new version once it is published.
        self.updater = Updater(settings, embedder=retriever.embedder, after=retriever.refresh)
        self.adder = ArticleAdder(self.updater, settings, self.index_state)
        self._check_lock = threading.Lock()
        self._checked = time.monotonic()

    def _follow_rebuilds(self) -> None:
        """Pick up an index rebuilt by `qa index` while the app runs (checked every 5 s
        by one request at a time)."""
        with self._check_lock:
            if time.monotonic() - self._checked < 5 or self.updater.busy:
                return
            self._checked = time.monotonic()
        self.retriever.refresh()

    def index_state(self) -> tuple:
        """The status line and source menu of the index now serving."""
        return status_line(self.retriever), gr.update(choices=self.sources())

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
                k: float, since: str, until: str, source: str | None, shown: str | None,
                person: str | None = None, as_of: str | None = None):
        history = list(history or [])[-MAX_HISTORY:] if isinstance(history, list) else []
        question = message.strip() if isinstance(message, str) else ""
        if not question:
            return history, "", previous_query, gr.skip(), gr.skip(), gr.skip()
        history.append({"role": "user", "content": question[: self.settings.max_question_chars]})
        try:
            self._follow_rebuilds()
            result = answer(self.retriever, question, previous_query=previous_query,
                            k=_whole(k), filters=_filters(mode, since, until, source, person),
                            as_of=as_of_day(_clean(as_of)))  # type: ignore[arg-type]
            reply = answer_html(result)
            previous_query = result.query
        except QAError as exc:
            reply = error_html(str(exc))
        except Exception:
            log.exception("chat failed")
            reply = error_html(SOMETHING_WRONG)
        history.append({"role": "assistant", "content": reply})
        return (history, "", previous_query, *self._index_outputs(shown))

    def respond_example(self, examples: list[str], index: object, *rest):
        """:meth:`respond` to the ``index``-th of the ``examples`` the page offers."""
        valid = isinstance(index, int) and not isinstance(index, bool)
        question = examples[index] if valid and 0 <= index < len(examples) else ""  # type: ignore[index]
        return self.respond(question, *rest)

    def api_search(self, question: str, k: int = 5, mode: str = "hybrid", since: str = "",
                   until: str = "", source: str = "", person: str = "") -> list[dict]:
        """Passages that answer `question`, best first, as JSON objects with text, score,
        article_id, title, date, source, url and character offsets."""
        hits = self._api(self.retriever.search, question, k, mode, since, until, source,
                         person)
        return [hit.to_dict() for hit in hits]

    def api_answer(self, question: str, k: int = 5, mode: str = "hybrid", since: str = "",
                   until: str = "", source: str = "", person: str = "",
                   as_of: str = "") -> dict:
        """The answer to `question`: `lead` (the sentence that answers, its offsets in
        the lead hit's text, and the answer words with their offsets, or null),
        `relevant`, `understood` (the dates read from the question), `speaker`,
        `timeline` (dated hits, oldest first), `people`, and `hits` as from /search.
        `as_of` (YYYY-MM-DD) is the day "last week" counts from."""
        def call(question: str, **options):  # as_of is checked inside _api: a clear error
            day = as_of_day(_clean(as_of))  # type: ignore[arg-type]
            return answer(self.retriever, question, as_of=day, **options)

        return self._api(call, question, k, mode, since, until, source, person).to_dict()

    def _api(self, call, question: str, k: object, mode: str, since: str, until: str,
             source: str, person: str = ""):
        """``call(question, k=..., filters=...)`` for an API caller: bad requests become one
        clear error, anything else a friendly one (the details go to the log)."""
        try:
            self._follow_rebuilds()
            return call(question, k=_whole(k),
                        filters=_filters(mode, since, until, source, person))
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

    def people(self) -> list[str]:
        """The people named in most articles, for the person filter."""
        return self.retriever.snapshot.top_entities("person", limit=100)
