"""The chat's "Add articles" panel: uploaded files and web pages saved into the corpus,
then an index update, with a report of what happened to each. Updates go through the
app's one :class:`~qa.index.updater.Updater`, which the background jobs share, so builds
never overlap. Handlers never raise to Gradio: errors become a friendly line.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is imported

import gradio as gr  # noqa: E402

from qa.errors import QAError  # noqa: E402
from qa.fresh.fetch import Fetcher, Policy  # noqa: E402
from qa.fresh.pages import fetch_pages  # noqa: E402
from qa.index.updater import Updater  # noqa: E402
from qa.settings import Settings  # noqa: E402

from .markdown import fetched_markdown, report_markdown  # noqa: E402
from .uploads import save_uploads  # noqa: E402

log = logging.getLogger(__name__)

SOMETHING_WRONG = "Something went wrong on our side; the details are in the server log."
BUSY = "⚠️ Another update is running - try again when it has finished."
MAX_URLS = 20  # per request from the chat
MAX_URL_CHARS = 2048  # per address: longer ones are not pages anyone links to
MAX_TOKEN_CHARS = 256
_URL_SPLIT = re.compile(r"[\s,]+")


class ArticleAdder:
    """Adds articles from the chat; ``on_change()`` gives the status line and source
    menu to show after the index changed."""

    def __init__(self, updater: Updater, settings: Settings,
                 on_change: Callable[[], tuple]) -> None:
        self.updater, self.settings, self.on_change = updater, settings, on_change
        self._fetcher: Fetcher | None = None

    @property
    def fetcher(self) -> Fetcher:
        """The chat's fetcher: public addresses only unless the app allows private ones."""
        if self._fetcher is None:
            self._fetcher = Fetcher(Policy.from_settings(self.settings, from_chat=True))
        return self._fetcher

    # -- the two ways in --------------------------------------------------------------------
    def add_articles(self, files: list | None, token: str,
                     progress=gr.Progress()):  # noqa: B008 - how Gradio injects progress
        """Save the uploaded files into the corpus and update the index; the report says
        what happened to each file. Gradio's temporary copies are deleted either way."""
        try:
            if not files:
                return "Choose one or more files first.", gr.skip(), gr.skip()
            pairs = [(Path(f), Path(getattr(f, "orig_name", None) or f).name) for f in files]

            def save() -> tuple[list[str], tuple, tuple[str, ...]]:
                saved = save_uploads(pairs, self.settings)
                return [], saved.refused, saved.saved

            return self._update(token, save, progress)
        finally:
            remove_uploaded(files or [])

    def add_urls(self, text: str | None, token: str,
                 progress=gr.Progress()):  # noqa: B008 - how Gradio injects progress
        """Fetch the article pages whose addresses are in ``text`` (one per line) into
        ``corpus/web/`` and update the index."""
        if text is not None and not isinstance(text, str):
            return "⚠️ Web addresses must be given as text.", gr.skip(), gr.skip()
        if len(text or "") > MAX_URLS * (MAX_URL_CHARS + 1):  # split nothing that large
            return f"⚠️ At most {MAX_URLS} addresses at a time.", gr.skip(), gr.skip()
        urls = [u for u in _URL_SPLIT.split(text or "") if u]
        if not urls:
            return "Paste one or more web addresses first.", gr.skip(), gr.skip()
        if len(urls) > MAX_URLS:
            return f"⚠️ At most {MAX_URLS} addresses at a time.", gr.skip(), gr.skip()
        if any(len(u) > MAX_URL_CHARS for u in urls):
            return (f"⚠️ An address is longer than {MAX_URL_CHARS:,} characters - that is "
                    "not a page address.", gr.skip(), gr.skip())

        def save() -> tuple[list[str], tuple, tuple[str, ...]]:
            fetched = fetch_pages(urls, self.fetcher, self.settings, progress=lambda d, t: (
                progress((d, t), desc="Fetching pages", unit="pages")))
            return (fetched_markdown(fetched), fetched.refused,
                    tuple(s.path for s in fetched.saved))

        return self._update(token, save, progress)

    # -- one update at a time -------------------------------------------------------------
    def _update(self, token: str,
                save: Callable[[], tuple[list[str], tuple, tuple[str, ...]]],
                progress) -> tuple:
        """Check the token, take the update turn, ``save()`` the articles (giving report
        lines, refusals and the corpus paths saved), then update the index and report."""
        expected = self.settings.upload_token
        given = token if isinstance(token, str) and len(token) <= MAX_TOKEN_CHARS else ""
        if expected and not hmac.compare_digest(given.encode(), expected.encode()):
            return "⚠️ Wrong upload token - ask whoever runs this app for it.", gr.skip(), gr.skip()
        with self.updater.turn(wait=False) as mine:
            if not mine:
                return BUSY, gr.skip(), gr.skip()
            try:
                return self._save_and_build(save, progress)
            except QAError as exc:
                return f"⚠️ {exc}", gr.skip(), gr.skip()
            except Exception:
                log.exception("adding articles failed")
                return (f"⚠️ {SOMETHING_WRONG} The previous index is still serving.",
                        gr.skip(), gr.skip())

    def _save_and_build(self, save: Callable[[], tuple[list[str], tuple, tuple[str, ...]]],
                        progress) -> tuple:
        notes, refused, saved = save()
        if not saved:
            return report_markdown(None, refused, notes), gr.skip(), gr.skip()
        progress(0, desc="Reading articles")

        def on_progress(done: int, total: int) -> None:
            progress((done, total), desc="Embedding passages", unit="passages")

        try:
            report = self.updater.build(on_progress)  # the chat switches to it only now
        except Exception as exc:  # the files are saved: say so, whatever went wrong
            if not isinstance(exc, QAError):
                log.exception("updating the index after adding articles failed")
            why = str(exc) if isinstance(exc, QAError) else SOMETHING_WRONG
            return (f"⚠️ Saved {', '.join(saved)} in the corpus, but updating the index "
                    f"failed: {why} They will be indexed by the next update that "
                    "succeeds; the previous index is still serving.", gr.skip(), gr.skip())
        return (report_markdown(report, refused, notes, files=saved), *self.on_change())


def remove_uploaded(files: list) -> None:
    """Delete Gradio's temporary copies of uploaded files (only inside its upload folder)."""
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()).resolve()
    for f in files:
        path = Path(f).resolve()
        if path.is_relative_to(folder) and path.is_file():
            path.unlink(missing_ok=True)
