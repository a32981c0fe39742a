"""Follow-up questions read in context: "and what about trade?" after a question about
Gor and Jaishankar searches for trade *and* them."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")
_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|what of|and what|and how|why|how come|tell me more|more)\b"
    r"|\b(he|she|they|them|their|his|her|its|it|this|that|those|these|there)\b",
    re.I,
)
STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from about as is are was were be been "
    "what which who whom whose when where why how did do does done doing said say says tell "
    "me more also any some this that these those it its they them their he she his her we "
    "you i not no yes than then there here over into after before during between".split()
)


def content_words(text: str) -> list[str]:
    """The words of ``text`` that are not stopwords."""
    return [w.strip(".'’") for w in _WORD.findall(text) if w.lower().strip(".'’") not in STOPWORDS]


def _names(text: str) -> list[str]:
    words = _WORD.findall(text)
    return [w.strip(".'’") for i, w in enumerate(words)
            if w[0].isupper() and (i > 0 or w.lower() not in STOPWORDS)
            and w.lower() not in STOPWORDS]


def contextualize(question: str, previous_query: str | None) -> str:
    """The query to search for ``question`` asked after ``previous_query``.

    A follow-up ("and what about trade?") that names nobody gets the previous query's
    names (or, failing names, its content words) appended, so retrieval stays on topic.
    """
    question = " ".join(question.split())
    if not previous_query:
        return question
    own_names = _names(question)
    if own_names or not _FOLLOW_UP.search(question):
        return question
    carried = _names(previous_query) or content_words(previous_query)
    present = {w.lower() for w in content_words(question)}
    extra = [w for w in dict.fromkeys(carried) if w.lower() not in present]
    return f"{question} {' '.join(extra)}".strip() if extra else question
