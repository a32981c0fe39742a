"""What a news question asks for besides its topic: a time ("in July 1963", "latest"),
a speaker ("What did Gor say?"), or how a story unfolded (a timeline).

``read_question`` splits a question into what to search and these wishes; a question
with none of them is searched exactly as asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .names import find_names, words
from .question_dates import TimeRange, read_time

_SPEAKER = re.compile(
    r"^\s*(?i:(?:so\s+|and\s+)?what\s+(?:did|does|do|has|have|had|was|is))\s+"
    # The name, with what the question says of the person: "IMF chief Rodrigo de Rato".
    r"(?P<name>[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){0,6}?)\s+"
    r"(?:(?:have\s+)?(?:say|said|says|saying|tell|told|telling|write|wrote|claim|claimed)"
    r"|to\s+say)\b(?P<rest>.*)$")
_TIMELINE = re.compile(
    r"\b(?:how\s+(?:did|has|have|was|were)\b.*\b(?:unfold|unfolded|develop|developed|evolve|"
    r"evolved|progress|progressed|escalate|escalated|play\s+out|played\s+out)"
    r"|timeline|chronology|sequence\s+of\s+events|step\s+by\s+step"
    r"|what\s+happened\s+(?:with|to|in)\b.*\bover\s+(?:time|the\s+(?:year|months|weeks)))",
    re.I)
_TOPIC = re.compile(r"^\s*(?:about|on|regarding|of)\s+", re.I)


@dataclass(frozen=True)
class Intent:
    """A question read for news: ``text`` is what to search."""

    question: str
    text: str
    time: TimeRange | None = None
    speaker: str | None = None  # the name as asked ("Gor", "Ambassador Gor")
    topic: str = ""  # what the speaker was asked about ("about Gor" -> "Gor")
    timeline: bool = False
    people: tuple[str, ...] = ()  # surnames (lower case) of the names the question gives

    @property
    def understood(self) -> str | None:
        """What was read from the question, for the user ("Articles from July 1963")."""
        parts = []
        if self.time:
            parts.append(self.time.label)
        if self.speaker:
            parts.append(f"Quotes of {self.speaker}")
        return " · ".join(parts) or None


def read_question(question: str, as_of: date, *, dates: bool = True) -> Intent:
    """``question`` read against the reference day ``as_of``. ``dates=False`` leaves
    time expressions in the search text (as searching did before they were read)."""
    time = read_time(question, as_of) if dates else None
    text = question
    if time is not None:
        text = time.rest.strip(" ,") or question
        if not re.search(r"\w", text):  # "What's the latest?" names no topic
            text = question
    speaker = _SPEAKER.match(text)
    name = speaker.group("name").strip() if speaker else None
    topic = _TOPIC.sub("", speaker.group("rest")).strip(" ?.!") if speaker else ""
    people = tuple(dict.fromkeys(words(n.text)[-1] for n in find_names(text) if words(n.text)))
    return Intent(question, text, time, name, topic, bool(_TIMELINE.search(question)), people)
