"""Who said what: attributed quotations in news prose, found with rules at ingest.

``find_quotes(text)`` returns direct quotations (the words inside quote marks) and
reported speech ("X said that ...", "..., she told the BBC", "according to X, ...") with
the speaker's name as written, titles taken off and a surname grown to the full name
used earlier ("Mr Fogg" after "Ian Fogg" is "Ian Fogg"). How a speaker is found:

- beside the quote: ``"...," he said``, ``"...," said Mr Smith``, ``Smith said: "..."``,
  ``"...," Jane Smith, an analyst at X, told the BBC``, ``Smith said the plan was "..."``;
- a quote that opens while another is still open continues it (BBC copy leaves a quote
  open at the end of a paragraph and reopens it), so a chain shares one speaker;
- "he"/"she", and a quote that starts a sentence with no attribution at all, take the
  latest person named before it: the speaker of the previous attribution or the named
  subject of a sentence, whichever came last, and for an unattributed quote only if that
  was in the same or the previous sentence;
- a role ("the prime minister said") is not resolved: no speaker, no quote.

Straight and curly double quotes both work; a straight quote opens when it follows
a space or the start of text and precedes a word, and closes the other way round.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

_TOKEN = r"(?:(?:O['’]|Mc|Mac|D['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:['’-][A-Z]?[a-z]+)*)"
_RUN = re.compile(rf"(?:(?:{_TOKEN}|[A-Z]\.?|van|von|de|der|da|bin)\s)*{_TOKEN}"
                  r"(?!['’]s\b|['’-]?[A-Za-z])")
_VERB = (r"(?:said|says|say|told|tells|added|adds|wrote|writes|stated|explained|warned|"
         r"warns|insisted|insists|argued|argues|claimed|claims|asked|asks|replied|noted|"
         r"commented|continued|concluded|admitted|admits|conceded|stressed|urged|urges|"
         r"described|characteri[sz]ed|recalled|recalls|declared|announced|agreed|"
         r"suggested|acknowledged|maintained|predicted|revealed|confirmed|denied|accused|"
         r"echoed|posted|tweeted|joked|remarked|responded|observed|advised|promised|"
         r"pledged|vowed|complained|believes|thinks|hopes|fears)")
_PARTICIPLE = (r"(?:saying|adding|arguing|describing|warning|insisting|claiming|noting|"
               r"stressing|urging|explaining)")
_TITLES = frozenset(
    "Mr Mrs Ms Miss Dr Sir Dame Lord Lady Baroness Prof Professor Rev Reverend Father "
    "Cardinal Archbishop Bishop Pope President Vice Ambassador Senator Sen Representative "
    "Representatives Rep Congressman Congresswoman Governor Gov Judge Justice General Gen "
    "Colonel Col Captain Capt King Queen Prince Princess Sheikh Chancellor Secretary "
    "Minister Prime Deputy Foreign Home External Affairs Commerce Defence Defense Health "
    "Environment Culture Education Trade Interior Finance State Shadow Chairman Chairwoman "
    "Chief Executive Commissioner Mayor Inspector Detective Sergeant Coach Manager Director "
    "Spokesman Spokeswoman Leader Former Writer Tory Labour Conservative Liberal Democrat "
    "Republican Lib Dem Senior Veteran Actor Actress Singer Star Boss".split())
_STOP = frozenset(
    "The A An But And However In On At As After Before When While If Meanwhile Earlier "
    "Later Also Even Indeed Now Then This That These Those His Her Their Its Our My It He "
    "She They We I You Both All Many Some Other Another Last Next Since Until By For From "
    "With Without Despite Although Though Yet So According During Under Over Asked Said "
    "Speaking Today Yesterday Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
    "January February March April May June July August September October November December "
    "What Why How Where Who Which There Here Such Most More Every Each Only Just".split())
_ORG = frozenset(
    "Federation Association Party Club Committee Commission Council Bank Group Office "
    "Department Ministry Government Union League Corporation Company Institute University "
    "School College Research News Times Post Telegraph Radio Television Records Studios "
    "Laboratories Agency Authority Service Services Trust Fund Foundation Society Alliance "
    "Network Court House Street Road Park Hospital Airlines Airways Motors Electronics "
    "Entertainment Music Festival Awards Cup Championship Premiership Assembly Parliament "
    "Senate Congress Cabinet Commons Army Navy Police Church Kingdom States Republic Nations "
    "Europe Expo Show Programme Live Sport Sports Daily Magazine Review Journal".split())
_FILLER = re.compile(r"(?:\s+(?:has|had|have|also|once|then|later|as|MP|QC|previously|"
                     r"recently|again|further|himself|herself))+$")
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+|\n+")
_AFTER = re.compile(rf"[\"”][,.]?\s*(?P<pre>[^\"“”.!?\n]{{0,140}}?)\s*"
                    rf"(?P<verb>{_VERB}|(?<=he|He)said|(?<=she)said)\b")
_BEFORE = re.compile(rf"\b(?:{_VERB}|{_PARTICIPLE}|(?<=[Aa]ccording )to)\b", re.I)
_CLAUSE_VERB = (r"(?:said|says|told|tells|added|warned|claimed|insisted|argued|believes|"
                r"thinks|admitted|conceded|stressed|confirmed|suggested|predicted|revealed|"
                r"noted|explained|acknowledged|maintained|agreed|fears|hopes|denied)")
_REPORTED = re.compile(rf"\b{_CLAUSE_VERB}\b(?:\s+(?:reporters|the\s+BBC|[A-Z][\w']*"
                       rf"(?:\s[A-Z][\w']*)*))?(?:\s+that)?\s+(?=\w)")
_INVERTED = re.compile(rf"(.{{12,}}?),\s+(\S[^,]{{0,60}}?)\s+{_CLAUSE_VERB}\b")
_ACCORDING = re.compile(r"(?:^|,\s*)[Aa]ccording to\s(?=[A-Z])(?:[^,]{1,60},\s+(?=(.)))?")
_PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")


@dataclass(frozen=True)
class Quote:
    """``quote == text[start:end]`` was said by ``speaker``, named at
    ``text[speaker_start:speaker_end]`` (a pronoun or surname there when it was resolved)."""

    speaker: str
    quote: str
    start: int
    end: int
    speaker_start: int
    speaker_end: int
    kind: Literal["direct", "reported"]

    def matches(self, name_query: str) -> bool:
        """Whether ``name_query`` ("Gor", "Sergio Gor", "Ambassador Gor") names the
        speaker: same surname and, when both give first names, a shared one."""
        return same_person(self.speaker, name_query)


def same_person(name: str, query: str) -> bool:
    """Surname (last word) equal ignoring case and titles; given names must share a word
    when both names have any."""
    a, b = _words(name), _words(query)
    if not a or not b or a[-1] != b[-1]:
        return False
    return len(a) == 1 or len(b) == 1 or bool(set(a[:-1]) & set(b[:-1]))


def _words(name: str) -> list[str]:
    tokens = [t.strip(".,") for t in name.replace("’", "'").split()]
    while len(tokens) > 1 and tokens[0].capitalize() in _TITLES:
        tokens.pop(0)
    return [t.lower() for t in tokens if t]


@dataclass(frozen=True)
class _Name:
    text: str  # cleaned: no titles, no sentence-start words
    start: int
    end: int
    person: bool  # could be a person: two words, a title, or a known surname


def find_quotes(text: str) -> tuple[Quote, ...]:
    """Attributed quotations in ``text``, in text order; quotes without a speaker are
    left out."""
    return _Reader(text).quotes()


class _Reader:
    """One pass over one text: its sentences, names, quote marks and attributions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        self.spans = _quote_spans(text)
        inside = [(s, e) for s, e, _ in self.spans]
        self.names = [n for n in self._names() if not any(s <= n.start < e for s, e in inside)]
        self.starts = [n.start for n in self.names]
        self.ends = [n.end for n in self.names]
        # People who may be "he": sentence subjects now, attribution speakers as found.
        self.mentions: list[tuple[int, str]] = []
        for start in self.bounds:
            subject = self._first_person(start, self._sentence_end(start))
            if subject is not None:
                self.mentions.append((subject.start, self.full(subject)))

    def _first_person(self, start: int, end: int) -> _Name | None:
        for name in self.names[bisect_right(self.starts, start - 1):]:
            if name.start >= end:
                return None
            if name.person:
                return name
        return None

    def _names(self) -> list[_Name]:
        known: set[str] = set()
        names = []
        for m in _RUN.finditer(self.text):
            tokens = m.group().split()
            drop = 0
            while drop < len(tokens) - 1 and (tokens[drop] in _TITLES or tokens[drop] in _STOP):
                drop += 1
            titled = any(t in _TITLES for t in tokens[:drop])
            before = self.text[max(0, m.start() - 4):m.start()]
            if len(tokens) - drop >= 3 and re.search(r"\b(?:to|of|at|for|in)\s$", before):
                drop += 1  # "Ambassador to India Sergio Gor"
            kept = tokens[drop:]
            if kept[-1] in _STOP or kept[-1] in _TITLES or any(t in _ORG for t in kept):
                continue
            start = m.start() + len(" ".join(tokens[:drop])) + (1 if drop else 0)
            person = len(kept) >= 2 or titled or kept[-1] in known
            if len(kept) >= 2:
                known.add(kept[-1])
            names.append(_Name(" ".join(kept), start, m.end(), person))
        return names

    def _sentence_end(self, start: int) -> int:
        i = bisect_right(self.bounds, start)
        return self.bounds[i] if i < len(self.bounds) else len(self.text)

    def _sentence_start(self, at: int) -> int:
        return self.bounds[bisect_right(self.bounds, at) - 1]

    def full(self, name: _Name) -> str:
        """A surname grown to the latest full name before it with that surname (or that
        first name, for "Sir Paul")."""
        if " " in name.text:
            return name.text
        for other in reversed(self.names):
            words = other.text.split()
            if other.start < name.start and len(words) >= 2 and name.text in (words[-1], words[0]):
                return other.text
        return name.text

    def latest(self, at: int, since: int = 0) -> str | None:
        """The latest person mentioned before ``at`` (and at or after ``since``)."""
        found = [m for m in self.mentions if since <= m[0] < at]
        return max(found)[1] if found else None

    def name_at_end(self, start: int, end: int) -> tuple[str, int, int] | None:
        """The speaker named at the end of the subject text[start:end]: "Mr Blair", "he",
        or the name before an apposition ("Jane Smith, an analyst at X,"); None for a
        role ("the prime minister")."""
        chunk = _FILLER.sub("", self.text[start:end].rstrip())
        if chunk.endswith(","):
            for comma in re.finditer(",", chunk):
                got = self._ending(start, start + comma.start(), person=True)
                if got:
                    return got
            return None
        return self._ending(start, start + len(chunk))

    def _ending(self, start: int, end: int, person: bool = False) -> tuple[str, int, int] | None:
        pronoun = re.search(r"\b(?:he|she|He|She)$", self.text[start:end])
        if pronoun:
            speaker = self.latest(start + pronoun.start())
            return (speaker, start + pronoun.start(), end) if speaker else None
        i = bisect_right(self.ends, end) - 1
        if i >= 0 and self.names[i].end == end and self.names[i].start >= start:
            name = self.names[i]
            if name.person or not person:
                return self.full(name), name.start, name.end
        return None

    def name_after(self, at: int) -> tuple[str, int, int] | None:
        """A name right after a verb: "said Mr Smith"."""
        gap = re.match(r"\s*", self.text[at:])
        target = at + (gap.end() if gap else 0)
        for name in self.names[bisect_right(self.starts, target - 1):]:
            if name.start >= target:
                prefix = self.text[target:name.start]
                if re.fullmatch(r"(?:[A-Z][a-z]*\.?\s)*", prefix):  # titles only
                    return self.full(name), name.start, name.end
                return None
        return None

    def quotes(self) -> tuple[Quote, ...]:
        found: list[Quote] = []
        for chain in _chains(self.spans):
            speaker = self.attribute(chain)
            if speaker is None:
                continue
            name, s_start, s_end = speaker
            self.mentions.append((s_start, name))
            for start, end in chain:
                words = self.text[start:end].rstrip().rstrip(",")
                found.append(Quote(name, words, start, start + len(words), s_start, s_end,
                                   "direct"))
        found.extend(self.reported())
        return tuple(sorted(found, key=lambda q: q.start))

    def attribute(self, chain: list[tuple[int, int]]) -> tuple[str, int, int] | None:
        """The speaker of a chain of quotes: after it, before it, or by continuity."""
        text, close = self.text, chain[-1][1]
        after = _AFTER.match(text, close)  # '," he said' / '" said Mr Smith' / '" X told'
        if after:
            if not after.group("pre").strip(" ,"):
                return self.name_after(after.end("verb"))
            got = self.name_at_end(after.start("pre"), after.end("pre"))
            if got:
                return got
        first_open = chain[0][0] - 1
        sentence = self._sentence_start(first_open)
        prefix = text[sentence:first_open]
        for verb in reversed(list(_BEFORE.finditer(prefix))):  # 'Smith said: "'
            at, verb_end = sentence + verb.start(), sentence + verb.end()
            if verb.group().lower() == "to":  # 'according to Smith, "'
                return self.name_after(verb_end)
            lead = prefix[:verb.start()]
            if not lead.strip() or lead.rstrip().endswith(","):  # 'Said Mr Fogg: "'
                inverted = self.name_after(verb_end)
                if inverted and re.fullmatch(r"[:,]?\s*", text[inverted[2]:first_open]):
                    return inverted
            if re.fullmatch(_PARTICIPLE, verb.group()):
                return self.name_at_end(sentence, self._subject_end(sentence, at))
            if re.search(r"\b(?:and|but|or)\s*$", lead):
                continue  # "conceded there were X but said" - the earlier verb has it
            return self.name_at_end(sentence, at)
        if not prefix.strip():  # a quote opening a sentence, attributed nowhere
            speaker = self.latest(first_open, self._sentence_start(max(sentence - 2, 0)))
            if speaker:
                return speaker, first_open, first_open
        return None

    def _subject_end(self, sentence: int, limit: int) -> int:
        """Where the subject of the sentence ends: just after its first person or pronoun."""
        name = self._first_person(sentence, limit)
        if name is not None:
            return name.end
        pronoun = _PRONOUN.search(self.text, sentence, limit)
        return pronoun.end() if pronoun else sentence

    def reported(self) -> list[Quote]:
        """Reported speech outside quote marks: "X said (that) ...", "..., she told Y",
        "according to X, ..."."""
        found = []
        for start in self.bounds:
            end = self._sentence_end(start)
            head = re.split(r"[\"“”]", self.text[start:end], maxsplit=1)[0].rstrip(" ,.\n")
            got, clause = None, (0, 0)
            lead = _REPORTED.search(head)
            inverted = _INVERTED.match(head)
            according = _ACCORDING.search(head)
            if lead and lead.start() > 0:
                got = self.name_at_end(start, start + lead.start())
                clause = (start + lead.end(), start + len(head))
            elif inverted:
                got = self.name_at_end(start + inverted.start(2), start + inverted.end(2))
                clause = (start, start + inverted.end(1))
            elif according:
                got = self.name_after(start + according.end())
                clause = ((start + according.end(2), start + len(head)) if according.group(2)
                          else (start, start + according.start()))
            if got and clause[1] - clause[0] >= 12:
                name, s_start, s_end = got
                self.mentions.append((s_start, name))
                found.append(Quote(name, self.text[clause[0]:clause[1]], *clause, s_start,
                                   s_end, "reported"))
        return found


def _quote_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, continued) of the words inside each pair of quote marks; ``continued``
    when the quote was still open as the next one opened."""
    spans: list[tuple[int, int, bool]] = []
    opened: int | None = None
    for m in re.finditer(r"[\"“”]", text):
        i, mark = m.start(), m.group()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        opens = mark == "“" or (mark == '"' and (before.isspace() or before in "([{—–-:/")
                               and not after.isspace())
        closes = mark == "”" or (mark == '"' and not before.isspace()
                                and (after.isspace() or after in ".,;:!?)]}—–-'’"))
        if opens:
            if opened is not None:
                spans.append((opened + 1, i, True))
            opened = i
        elif closes and opened is not None:
            spans.append((opened + 1, i, False))
            opened = None
    if opened is not None:
        paragraph = text.find("\n", opened)
        spans.append((opened + 1, paragraph if paragraph >= 0 else len(text), False))
    return [s for s in spans if text[s[0]:s[1]].strip()]


def _chains(spans: list[tuple[int, int, bool]]) -> list[list[tuple[int, int]]]:
    """Quotes grouped so that a quote left open joins the one that reopens it."""
    chains: list[list[tuple[int, int]]] = []
    joined = False
    for start, end, continued in spans:
        if joined:
            chains[-1].append((start, end))
        else:
            chains.append([(start, end)])
        joined = continued
    return chains
