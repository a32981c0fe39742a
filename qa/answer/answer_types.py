"""What a question asks for, and the words of a sentence that could supply it.

Rules, not a model: the wh-word (and the noun after "what"/"which") gives the expected
answer type, and patterns find spans of each type in a sentence: dates, numbers, money
and percentages, capitalised names (places when a locative preposition leads them),
causal clauses and topic lists. A span counts only if the question does not already
contain its words: a sentence that repeats the question's names supplies nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["who", "when", "where", "how_many", "how_much", "which", "why",
               "what_topic", "what"]


@dataclass(frozen=True)
class Span:
    """Words ``sentence[start:end]`` of one answer type."""

    start: int
    end: int
    kind: str  # date, number, money, name, place, cause, topic


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
          r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_NUMBER_WORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|"
                r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|"
                r"dozens?|millions?|billions?)")
_SCALE = r"(?:\s?(?:bn|m|k|million|billion|trillion|thousand))?"
PATTERNS: dict[str, re.Pattern] = {
    "date": re.compile(
        rf"\b(?:(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTH}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?"
        rf"(?:,?\s+(?:1[89]|20)\d\d)?|{_DAY}|(?:early|late|mid-?)?\s?(?:1[89]|20)\d\ds?|"
        r"(?:last|next|this)\s+(?:week|month|year|weekend|spring|summer|autumn|winter)|"
        r"yesterday|today|tomorrow)\b", re.I),
    "money": re.compile(rf"(?:[$£€¥]\s?\d[\d,.]*{_SCALE}|\b\d[\d,.]*{_SCALE}\s?"
                        r"(?:dollars|pounds|euros|yen|rupees|yuan|francs)\b)", re.I),
    "percent": re.compile(r"\b\d[\d,.]*\s?(?:%|per\s?cent\b)", re.I),
    "number": re.compile(rf"\b(?:\d[\d,.]*{_SCALE}|{_NUMBER_WORD}(?:[- ]{_NUMBER_WORD})*)\b",
                         re.I),
    "name": re.compile(r"\b(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|Prof|President|Minister|"
                       r"Ambassador|Chancellor|Senator|Judge)\.?\s+)?[A-Z][\w'’&.-]*"
                       r"(?:\s+(?:(?:of|de|du|van|von|da|al|bin|the|and|&)\s+)?[A-Z][\w'’&.-]*)*"),
    "cause": re.compile(r"\b(?:because(?: of)?|due to|as a result of|owing to|thanks to|"
                        r"after|following|amid|over|since|in order to|so that|to avoid|"
                        r"in protest at|citing|blamed on|fears? (?:of|that))\s+([^.;]+)", re.I),
    "topic": re.compile(r"\b(?:cover(?:ed|ing)?|discuss(?:ed|ing)?|includ(?:ed|ing)|"
                        r"focus(?:ed|ing)? on|talks? (?:on|about)|agenda|such as|agreed "
                        r"(?:to|on)|address(?:ed|ing)?|progress on)\s+(?:(?:the|key|main|"
                        r"several|various|a range of|areas|issues|topics|subjects|matters)\s+)*"
                        r"(?:(?:including|such as|like|of)\s+)?([^.;]+)", re.I),
}
_LOCATIVE = re.compile(r"\b(?:in|at|from|to|near|across|outside|inside|into|on)\s+$", re.I)
_NOT_NAMES = frozenset(
    "The A An It He She They We I In On At But And Or If As For This That These Those "
    "There Here His Her Their Its Our When While After Before Mr Mrs Ms Dr Sir Lord "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())

_RULES: tuple[tuple[re.Pattern, Kind], ...] = (
    (re.compile(r"\bhow (?:many|often)\b", re.I), "how_many"),
    (re.compile(r"\bhow much\b|\bby how\b|\bhow (?:big|large|high|far)\b|\b(?:to )?what "
                r"(?:\w+ ){0,3}?(?:price|percentage|proportion|share|amount|sum|value|rate|"
                r"fee|cost|salary|level|figure|deficit|loss|profit)s?\b", re.I), "how_much"),
    (re.compile(r"\bwhy\b|\bwhat (?:\w+ ){0,3}?(?:caused|led|prompted|made|forced|triggered|"
                r"is behind|was behind|is forcing|is causing|reasons?)\b|\bfor what reason\b",
                re.I), "why"),
    # "What is the name of...", "what was the band first called": a name.
    (re.compile(r"\bwhat (?:is|was|were|are) the names? of\b|\bwhat\b[^?]*\bcalled\b",
                re.I), "which"),
    (re.compile(r"\bwhat (?:subjects|issues|areas|topics|matters|points)\b|\bwhat (?:did|do|"
                r"does|will|would|was|were|are|is)\b.*\b(?:discuss|talk|agree|cover|focus|"
                r"address|on the agenda|raise|debate|progress on)", re.I), "what_topic"),
    (re.compile(r"\bwhen\b|\b(?:what|which) (?:date|day|year|month|time)\b|\bhow long\b",
                re.I), "when"),
    (re.compile(r"\bwhere\b|\b(?:which|what) (?:\w+ )?(?:city|country|town|place|venue|"
                r"region|state|nation|capital|prison|hospital|court|stadium)\b", re.I),
     "where"),
    (re.compile(r"\bwho(?:m|se)?\b", re.I), "who"),
    (re.compile(r"\bwhich\b|\bwhat (?:company|firm|team|club|party|group|organi[sz]ation|"
                r"band|film|show|product|brand|bank|airline|newspaper|channel|network|"
                r"game|award|book|song|album|policy|law|agency|body|name)\b", re.I), "which"),
)

#: The span kinds that answer each question kind, best first.
WANTS: dict[str, tuple[str, ...]] = {
    "who": ("name",), "when": ("date",), "where": ("place",),
    "how_many": ("number",), "how_much": ("money", "percent", "number"),
    "which": ("name",), "why": ("cause",), "what_topic": ("topic",), "what": (),
}


def question_kind(question: str) -> Kind:
    """The answer type ``question`` asks for (``what``: none in particular). The rule
    matching earliest decides: in "why did he ban beef when he was minister?" the
    question is "why", the "when" belongs to a clause."""
    found = [(m.start(), order, kind) for order, (pattern, kind) in enumerate(_RULES)
             if (m := pattern.search(question))]
    return min(found)[2] if found else "what"


_FOCUS = re.compile(r"\b(?:which|what|how many)\s+((?:[\w'-]+\s+){0,3}?[\w'-]+?)s?\s+"
                    r"(?:is|was|did|does|do|has|have|had|are|were|will|would|can|could|"
                    r"should|been|of|for|in|at|on|from|to|\w+ed)\b", re.I)


def focus(question: str) -> str | None:
    """The noun the question asks about ("which *magistrate* granted...", "how many
    *shares*..."), lower-cased without a plural s; None when there is none."""
    match = _FOCUS.search(question)
    return match.group(1).split()[-1].lower().rstrip("s") if match else None


def near(sentence: str, span: Span, word: str, reach: int = 4) -> bool:
    """Whether ``word`` (or its plural) is within ``reach`` words of ``span``."""
    before = re.findall(r"[\w'-]+", sentence[: span.start])[-reach:]
    after = re.findall(r"[\w'-]+", sentence[span.end :])[:reach]
    inside = re.findall(r"[\w'-]+", sentence[span.start : span.end])
    return any(w.lower().rstrip("s") == word for w in (*before, *inside, *after))


#: Words that qualify an amount: "more than 5,500" is not "5,500".
_QUALIFIER = re.compile(
    r"\b(?:(?:just |well |slightly )?(?:more|less|fewer|higher|lower) than|at (?:least|most)|"
    r"up to|(?:just )?(?:over|under)|about|around|nearly|almost|roughly|approximately|"
    r"some|as (?:many|much|few|little) as|an estimated|an average of|a record|a further)\s+$",
    re.I)
_AMOUNT = re.compile(rf"[$£€¥]|\d|{_NUMBER_WORD}\b", re.I)


def qualified(text: str, start: int, end: int) -> int:
    """Where answer words ``text[start:end]`` that are an amount begin once the words
    qualifying it before them are included ("more than" 5,500, "up to" 75%); ``start``
    when there are none or the words are not an amount."""
    if not _AMOUNT.match(text, start):
        return start
    found = _QUALIFIER.search(text[max(0, start - 40) : start])
    return start - len(found.group(0)) if found else start


_NOT_A_COUNT = re.compile(r"%|\bper\s?cent\b|\btimes\b", re.I)


def fits(kind: Kind, words: str) -> bool:
    """Whether answer words can be what a question of ``kind`` asks for: "how many" asks
    for a count, which a share or a ratio ("10.8%", "16.2 times") is not."""
    return not (kind == "how_many" and _NOT_A_COUNT.search(words))


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w'’]+", text)}


def spans(sentence: str, kind: str) -> list[Span]:
    """Spans of ``sentence`` of span kind ``kind``, in order."""
    if kind == "place":
        return [Span(s.start, s.end, "place") for s in spans(sentence, "name")
                if _LOCATIVE.search(sentence[max(0, s.start - 12) : s.start])]
    pattern = PATTERNS[kind]
    found = []
    for match in pattern.finditer(sentence):
        group = 1 if pattern.groups else 0
        start, end = match.span(group)
        text = sentence[start:end].strip(" ,")
        if kind == "name" and (len(text) < 2 or text in _NOT_NAMES
                               or PATTERNS["date"].fullmatch(text)):
            continue
        if kind == "number" and (PATTERNS["date"].fullmatch(text) or text.isalpha()
                                 and text.lower() in ("one",)):
            continue
        if text:
            start = sentence.index(text, start)
            found.append(Span(start, start + len(text), kind))
    return found


def answer_spans(question: str, sentence: str, kind: Kind | None = None) -> list[Span]:
    """Spans of ``sentence`` that could answer ``question``: of a kind it asks for, and
    not made only of the question's own words."""
    kind = kind or question_kind(question)
    asked = _words(question)
    noun = focus(question)
    scored = []
    for preference, wanted in enumerate(WANTS[kind]):
        for span in spans(sentence, wanted):
            words = _words(sentence[span.start : span.end])
            if words and not words <= asked:
                # Beside the noun asked about first ("which magistrate" -> "Magistrate Lee
                # Gilmore"), then fewest of the question's own words, then the kind asked
                # for first, then the earliest.
                beside = bool(noun) and near(sentence, span, noun)
                scored.append((not beside, len(words & asked) / len(words), preference,
                               span.start, span))
    return [span for *_, span in sorted(scored)]
