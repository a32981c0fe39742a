"""Who said what: attributed quotations in news prose, found by rule at ingest.

``find_quotes(text)`` returns direct quotations (the words inside quote marks) and
reported speech ("X said (that) ...", "..., she told the BBC", "according to X, ...")
with the speaker's name as written without titles, a surname grown to the full name used
earlier ("Mr Fogg" after "Ian Fogg" is "Ian Fogg"). How the speaker is found:

- beside the quote: ``"...," he said``, ``"...," said Mr Smith``, ``Smith said: "..."``,
  ``"...," Jane Smith, an analyst at X, told the BBC``, ``Smith said it was "..."``,
  ``"...," the paper quoted Smith as saying``, ``X, saying: "..."``;
- a quote that opens while another is still open continues it (BBC copy leaves a quote
  open at a paragraph's end and reopens it in the next), so the chain has one speaker;
- "he"/"she", and a quote that opens a sentence with no attribution at all, take the
  latest person named before: the previous speaker or the subject of a sentence,
  whichever came last (for the unattributed quote, only from the sentence before);
- a role ("the prime minister said") is not resolved: no speaker, so no quote.

Straight and curly double quotes both work: a straight quote opens after a space or
the start of the text and before a word, and closes the other way round.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from dataclasses import dataclass
from typing import Literal

from .names import OBJECT, Name, find_names, same_person

_VERB = (r"(?:said|says|say|told|tells|added|adds|wrote|writes|stated|explained|warned|"
         r"warns|insisted|insists|argued|argues|claimed|claims|asked|asks|replied|noted|"
         r"commented|continued|concluded|admitted|admits|conceded|stressed|urged|urges|"
         r"described|characteri[sz]ed|recalled|recalls|declared|announced|agreed|"
         r"suggested|acknowledged|maintained|predicted|revealed|confirmed|denied|accused|"
         r"echoed|posted|tweeted|joked|remarked|responded|observed|advised|promised|"
         r"pledged|vowed|complained|believes|thinks|hopes|fears)")
_PARTICIPLE = (r"(?:saying|adding|arguing|describing|warning|insisting|claiming|noting|"
               r"stressing|urging|explaining)")
_CLAUSE_VERB = (r"(?:said|says|told|tells|added|warned|claimed|insisted|argued|believes|"
                r"thinks|admitted|conceded|stressed|confirmed|suggested|predicted|revealed|"
                r"noted|explained|acknowledged|maintained|agreed|fears|hopes)")
_AFTER = re.compile(rf"[\"”],?\s*(?P<pre>[^\"“”.!?\n]{{0,140}}?)\s*(?P<verb>{_VERB}|"
                    rf"(?<=he|He)said|(?<=she)said|(?<=as )saying)\b")
_BEFORE = re.compile(rf"\b(?:{_VERB}|{_PARTICIPLE}|(?<=[Aa]ccording )to)\b", re.I)
_REPORTED = re.compile(rf"\b{_CLAUSE_VERB}\b(?:\s+(?:reporters|the\s+BBC|[A-Z][\w']*"
                       rf"(?:\s[A-Z][\w']*)*))?(?:\s+that)?\s+(?=\w)")
_INVERTED = re.compile(rf"(.{{12,}}?),\s+(\S[^,]{{0,60}}?)\s+{_CLAUSE_VERB}\b")
_ACCORDING = re.compile(r"^[Aa]ccording to (?P<who>[A-Z][^,]{0,60}),\s+(?P<lead>\S.+)$"
                        r"|^(?P<tail>.{12,}?),?\s+according to (?P<by>[A-Z][^,]{0,60})$", re.S)
_FILLER = re.compile(r"(?:\s+(?:has|had|have|also|once|then|later|as|MP|QC|previously|"
                     r"recently|again|further|himself|herself))+$")
_SPEAKS = re.compile(rf"(?:,[^,\"“”.]{{1,140}},)?\s+(?:has\s+|had\s+|also\s+)?{_VERB}\b")
SPEAKS = _SPEAKS  # matched where a name ends: evidence that it names a person ("Gor said")
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+|\n+")
_PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")

_REACH = 400  # characters read around a quote: work per quote is bounded
Speaker = tuple[str, int, int]  # name, and where the text names or refers to the speaker


@dataclass(frozen=True)
class Quote:
    """``text[start:end]`` (the quoted or reported words) was said by ``speaker``, named
    or referred to ("he") at ``text[speaker_start:speaker_end]``."""

    speaker: str
    quote: str
    start: int
    end: int
    speaker_start: int
    speaker_end: int
    kind: Literal["direct", "reported"]

    def matches(self, name_query: str) -> bool:
        """Whether ``name_query`` ("Gor", "Sergio Gor", "Ambassador Gor") names the
        speaker: the same surname and, when both give first names, a shared one."""
        return same_person(self.speaker, name_query)


def find_quotes(text: str) -> tuple[Quote, ...]:
    """Attributed quotations in ``text`` in text order; a quote without a speaker is
    left out."""
    return _Reader(text).quotes()


class _Reader:
    """One pass over one text: its sentences, names, quote marks and speakers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
        self.spans = _quote_spans(text)
        inside = [i for s, e, _ in self.spans for i in (s, e)]
        self.names = [n for n in find_names(text, _SPEAKS)
                      if bisect_right(inside, n.start) % 2 == 0]
        self.starts = [n.start for n in self.names]
        self.ends = [n.end for n in self.names]
        self.fulls: dict[str, list[tuple[int, str]]] = {}  # a word -> full names with it
        for name in self.names:
            words = name.text.split()
            for word in {words[0], words[-1]} if len(words) >= 2 else ():
                self.fulls.setdefault(word, []).append((name.start, name.text))
        # Who "he" may be: each sentence's subject now, each speaker once found.
        self.mentions: list[tuple[int, str, int]] = []  # (start, name, end)
        for start in self.bounds:
            end = self._sentence_end(start)
            person = self._first_person(start, end)
            pronoun = _PRONOUN.search(text, start, person.start if person else end)
            if pronoun and (resolved := self.latest(pronoun.start())):
                insort(self.mentions, (pronoun.start(), resolved[0], pronoun.end()))
            elif person is not None:
                insort(self.mentions, (person.start, self.full(person), person.end))

    def quotes(self) -> tuple[Quote, ...]:
        found: list[Quote] = []
        for chain in _chains(self.spans):
            speaker = self.attribute(chain)
            if speaker is None:
                continue
            insort(self.mentions, (speaker[1], speaker[0], speaker[2]))
            for start, end in chain:
                words = self.text[start:end].rstrip().rstrip(",")
                found.append(Quote(speaker[0], words, start, start + len(words), speaker[1],
                                   speaker[2], "direct"))
        found.extend(self.reported())
        return tuple(sorted(found, key=lambda q: q.start))

    def attribute(self, chain: list[tuple[int, int]]) -> Speaker | None:
        """The speaker of a chain of quotes: after it, before it, or by continuity."""
        text, close = self.text, chain[-1][1]
        last = text[chain[-1][0]:close].rstrip()
        after = _AFTER.match(text, close)  # '," he said' / '" said Mr Smith'
        if after and not last.endswith("."):  # '... end." Next sentence' is not attribution
            if not after.group("pre").strip(" ,"):
                return self.name_after(after.end("verb"))
            got = self.name_at_end(after.start("pre"), after.end("pre"))
            if got:
                return got
        first_open = chain[0][0] - 1
        sentence = max(self._sentence_start(first_open), first_open - _REACH)
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
            if re.fullmatch(_PARTICIPLE, verb.group()):  # 'X sent ..., saying: "'
                return self._ending(sentence, self._subject_end(sentence, at), strict=False)
            if re.search(r"\b(?:and|but|or)\s*$", lead):
                continue  # "conceded there were X but said" - the earlier verb has it
            return self.name_at_end(sentence, at)
        if not prefix.strip():  # a quote opening a sentence, attributed nowhere
            return self.latest(first_open, self._sentence_start(max(sentence - 2, 0)))
        return None

    def reported(self) -> list[Quote]:
        """Reported speech before any quote mark of a sentence: "X said (that) ...",
        "..., she told Y", "according to X, ..."."""
        found = []
        for start in self.bounds:
            end = self._sentence_end(start)
            head = re.split(r"[\"“”]", self.text[start:min(end, start + 3 * _REACH)],
                            maxsplit=1)[0].rstrip(" ,.\n")
            for got, clause in self._reports(start, head):
                if got and clause[1] - clause[0] >= 20:
                    insort(self.mentions, (got[1], got[0], got[2]))
                    found.append(Quote(got[0], self.text[clause[0]:clause[1]], *clause,
                                       got[1], got[2], "reported"))
                    break
        return found

    def _reports(self, start: int, head: str):
        """Candidate (speaker, clause span) readings of one sentence head, best first."""
        lead = _REPORTED.search(head)
        if lead and lead.start() > 0:
            yield self.name_at_end(start, start + lead.start()), (start + lead.end(),
                                                                   start + len(head))
        inverted = _INVERTED.match(head)
        if inverted:
            yield (self.name_at_end(start + inverted.start(2), start + inverted.end(2)),
                   (start, start + inverted.end(1)))
        according = _ACCORDING.match(head)
        if according:
            who, part = ("who", "lead") if according.group("who") else ("by", "tail")
            yield (self.name_after(start + according.start(who)),
                   (start + according.start(part), start + according.end(part)))

    def name_at_end(self, start: int, end: int) -> Speaker | None:
        """The speaker ending the subject text[start:end]: "Mr Blair", "he", or the person
        before an apposition ("Jane Smith, an analyst at X,"); None for a role."""
        start = max(start, end - _REACH)
        chunk = _FILLER.sub("", self.text[start:end].rstrip())
        if chunk.endswith(","):
            named = re.search(r",\s(?:the\s)?(?:[A-Z][\w'’.-]*\s)*[A-Z][\w'’-]*,$", chunk)
            if named:  # "The Archbishop of Cardiff, the Most Reverend Peter Smith,"
                got = self._ending(start, start + len(chunk) - 1, person=True)
                if got:
                    return got
            for comma in re.finditer(",", chunk):
                got = self._ending(start, start + comma.start(), person=True)
                if got:
                    return got
            return None
        return self._ending(start, start + len(chunk))

    def _ending(self, start: int, end: int, person: bool = False,
                strict: bool = True) -> Speaker | None:
        start = max(start, end - _REACH)
        pronoun = re.search(r"\b(?:he|she|He|She)$", self.text[start:end])
        if pronoun:
            speaker = self.latest(start + pronoun.start())
            return (speaker[0], start + pronoun.start(), end) if speaker else None
        i = bisect_right(self.ends, end) - 1
        if i >= 0 and self.names[i].end == end and self.names[i].start >= start:
            name = self.names[i]
            if strict and OBJECT.search(self.text, max(0, name.start - 60), name.start):
                return None  # "the MP for Sleaford and North Hykeham said"
            if name.person or not person:
                return self.full(name), name.start, name.end
        return None

    def name_after(self, at: int) -> Speaker | None:
        """A name right after a verb, past any titles: "said Mr Smith"."""
        i = bisect_right(self.starts, at - 1)
        if i < len(self.names) and self.names[i].start - at < _REACH:
            name = self.names[i]
            if re.fullmatch(r"\s*(?:[A-Z][a-z]*\.?\s)*", self.text[at:name.start]):
                return self.full(name), name.start, name.end
        return None

    def full(self, name: Name) -> str:
        """A surname grown to the latest full name before it with that surname (or that
        first name, for "Sir Paul")."""
        earlier = self.fulls.get(name.text, []) if " " not in name.text else []
        i = bisect_right(earlier, (name.start, ""))
        return earlier[i - 1][1] if i else name.text

    def latest(self, at: int, since: int = 0) -> Speaker | None:
        """The latest person mentioned before ``at`` (and at or after ``since``)."""
        i = bisect_right(self.mentions, (at, "")) - 1
        if i < 0 or self.mentions[i][0] < since:
            return None
        start, name, end = self.mentions[i]
        return name, start, end

    def _first_person(self, start: int, end: int) -> Name | None:
        for name in self.names[bisect_right(self.starts, start - 1):]:
            if name.start >= end:
                return None
            if name.person:
                return name
        return None

    def _subject_end(self, sentence: int, limit: int) -> int:
        """Where the subject of the sentence ends: after its first person or pronoun."""
        name = self._first_person(sentence, limit)
        pronoun = _PRONOUN.search(self.text, sentence, name.start if name else limit)
        return pronoun.end() if pronoun else name.end if name else sentence

    def _sentence_start(self, at: int) -> int:
        return self.bounds[bisect_right(self.bounds, at) - 1]

    def _sentence_end(self, start: int) -> int:
        i = bisect_right(self.bounds, start)
        return self.bounds[i] if i < len(self.bounds) else len(self.text)


def _quote_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, continued) of the words inside each pair of quote marks; continued
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
    if opened is not None:  # never closed: the quote ends with its paragraph
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
