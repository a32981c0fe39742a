"""People's names in news prose, by rule: capitalised runs, titles, and who is a person.

A name is a run of capitalised words ("Prime Minister Narendra Modi", "Cormac Murphy
O'Connor", "S Jaishankar"); titles and role words in front are taken off ("Narendra
Modi"), and runs with organisation words ("Asian Development Bank") or possessives
("Blair's") are not names. A run counts as a *person* when the text says so somewhere:
an honorific ("Mr Fogg" makes "Ian Fogg" a person), a role word before it ("coach Luis
Aragones", "Writer Neil Coppendale"), an apposition after it ("Sharron Storer, the
Birmingham woman"), or, for a single word, the surname of a person named earlier. "Middle
East" and "Manchester City" stay names but not people.

``same_person("Sergio Gor", "Ambassador Gor")`` compares names the way a reader does:
the surname must agree; given names only when both names have some.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = r"(?:(?:O['’]|Mc|Mac|D['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)*)"
_RUN = re.compile(rf"(?<![\w'’.-])(?:(?:{_TOKEN}|[A-Z]\.?|van|von|de|der|da|bin)\s)*{_TOKEN}"
                  r"(?P<possessive>['’]s\b|(?<=s)['’](?!\w))?(?![\w'’-])")
#: Honorifics: a run with one of these names a person.
HONORIFICS = frozenset(
    "Mr Mrs Ms Miss Dr Sir Dame Lord Lady Baroness Prof Professor Rev Reverend Father "
    "Cardinal Archbishop Bishop Pope President Ambassador Senator Sen Representative "
    "Representatives Rep Congressman Congresswoman Governor Gov Judge Justice General Gen "
    "Colonel Col Captain Capt King Queen Prince Princess Sheikh Chancellor Secretary "
    "Minister Commissioner Mayor Inspector Detective Sergeant".split())
#: Words of a title or role that come before a name ("Prime", "Shadow", "Tory").
ROLES = frozenset(
    "Prime Deputy Vice Foreign Home External Affairs Commerce Defence Defense Health "
    "Environment Culture Education Trade Interior Finance State Shadow Chairman Chairwoman "
    "Chief Executive Coach Manager Director Spokesman Spokeswoman Leader Former Writer Tory "
    "Labour Conservative Liberal Democrat Republican Lib Dem Senior Veteran Actor Actress "
    "Singer Star Boss".split())
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
# Lowercase words before a name that do not make it a person's ("in Delhi", "the Mac").
_FUNCTION = frozenset(
    "a an the in on at of to for from with by and or but as about into than that this "
    "these those its their his her our over under between against".split())
_APPOSITION = re.compile(r",\s(?:the|a|an|who|whose|one|head|chief|now)\b")
# Strict reading (people_in): the lowercase words before a name that make it a person's
# ("coach Luis Aragones", "editor David Roberts", "said Tony Blair"); any other word
# ("the drama Maria Full of Grace", "called Gonna Have a No 1") is no evidence.
PERSON_NOUNS = frozenset(
    "actor actress adviser advisor aide ambassador analyst artist author banker batsman "
    "boss bowler brother campaigner candidate captain ceo chairman chairwoman champion "
    "chancellor chef chief colleague comedian commissioner composer counterpart daughter "
    "defender deputy designer director doctor drummer economist editor envoy executive "
    "father founder goalkeeper governor guitarist husband inventor investor journalist "
    "judge lawyer leader manager mayor midfielder minister mother mp nurse officer "
    "opponent owner painter player photographer premier presenter president producer "
    "professor rapper researcher rival scientist secretary senator singer sister "
    "skipper son spokesman spokeswoman spokesperson star striker student teacher "
    "tycoon wife winner writer said says told added asked thanked".split())
# Single words an honorific does not make a person: "Father Christmas", "Mother Nature".
_NOT_PEOPLE = frozenset("Christmas Easter Nature Time Earth Santa".split())
# "Maria Full of Grace", "Lord of the Rings": a run going on with "of" and a capital is a
# title (of a film, a book, a show), not a person's name, without stronger evidence.
_TITLE_GOES_ON = re.compile(r"\s+of\s+(?:the\s+)?[A-Z]")
_TITLES = HONORIFICS | ROLES
# A name after a preposition is not the subject: "the MP for Sleaford and North Hykeham".
OBJECT = re.compile(r"\b(?:of|for|in|at|from|to|with|by|on)\s+(?:[A-Z][\w'’-]*\s+)*"
                    r"(?:and\s+)?$")



@dataclass(frozen=True)
class Name:
    """A name at ``text[start:end]``, written without titles as ``text`` says it."""

    text: str
    start: int
    end: int
    person: bool


def find_names(text: str, speaks: re.Pattern[str] | None = None, *,
               strict: bool = False) -> list[Name]:
    """Every name in ``text`` in order, each marked person or not (see the module).
    ``speaks``, matched where a name ends, is more evidence of a person ("Smith said").
    ``strict`` asks for a person cue: an honorific or role title, a said-verb, an
    apposition, or one of :data:`PERSON_NOUNS` just before; any other lowercase word
    before a name is not one ("the drama Maria Full of Grace")."""
    runs = []
    for m in _RUN.finditer(text):
        tokens = m.group().split()
        if m.group("possessive"):
            tokens[-1] = tokens[-1][:len(tokens[-1]) - len(m.group("possessive"))]
        drop = 0
        while drop < len(tokens) - 1 and (tokens[drop] in _TITLES or tokens[drop] in _STOP):
            drop += 1
        before = text[max(0, m.start() - 4):m.start()]
        if len(tokens) - drop >= 3 and re.search(r"\b(?:to|of|at|for|in)\s$", before):
            drop += 1  # "Ambassador to India Sergio Gor"
        kept = tokens[drop:]
        if kept[-1] in _STOP or kept[-1] in _TITLES or any(t in _ORG for t in kept):
            continue
        end = m.start("possessive") if m.group("possessive") else m.end()
        start = end - len(" ".join(kept))
        honoured = drop > 0 and tokens[drop - 1] in HONORIFICS
        previous = re.search(r"([a-z]+)\s+$", text[max(0, start - 30):start])
        speaking = bool(speaks and speaks.match(text, end)
                        and not OBJECT.search(text, max(0, start - 60), start))
        if strict:
            evidence = _strict_evidence(text, kept, tokens[:drop], start, end, honoured,
                                        speaking)
        else:
            evidence = honoured or speaking or (len(kept) >= 2 and (
                any(t in ROLES for t in tokens[:drop]) or bool(_APPOSITION.match(text, end))
                or bool(previous and previous.group(1) not in _FUNCTION)))
        runs.append((kept, start, end, evidence, bool(m.group("possessive"))))
    people = {kept[-1] for kept, _, _, evidence, _ in runs if evidence}
    return [Name(" ".join(kept), start, end, kept[-1] in people and not possessive)
            for kept, start, end, _, possessive in runs]


def _strict_evidence(text: str, kept: list[str], dropped: list[str], start: int, end: int,
                     honoured: bool, speaking: bool) -> bool:
    """Whether the text marks ``kept`` (at ``text[start:end]``) as a person's name by a cue
    :func:`find_names` accepts when ``strict``."""
    if honoured and not (len(kept) == 1 and kept[0] in _NOT_PEOPLE):
        return True
    # One word saying something is as often "Everybody", "Supporters" or "Ireland": it
    # is a person's surname only when a fuller name of the person has a cue.
    if len(kept) < 2 or _TITLE_GOES_ON.match(text, end):
        return False
    if speaking:
        return True
    before = re.search(r"(?<![\w'’])([a-z]+)[,:]?\s+$", text[max(0, start - 30):start])
    return (any(t in ROLES for t in dropped) or bool(_APPOSITION.match(text, end))
            or bool(before and before.group(1) in PERSON_NOUNS))


def same_person(name: str, query: str) -> bool:
    """Whether ``query`` names the person ``name``: surname (last word) equal ignoring
    case and titles; given names must share a word when both names have some."""
    a, b = words(name), words(query)
    if not a or not b or a[-1] != b[-1]:
        return False
    return len(a) == 1 or len(b) == 1 or bool(set(a[:-1]) & set(b[:-1]))


def words(name: str) -> list[str]:
    """The lowercase words of a name without leading titles: "Ambassador Gor" -> ["gor"]."""
    # "Murphy-O'Connor" and "Murphy O'Connor" are one name.
    tokens = [t.strip(".,") for t in name.replace("’", "'").replace("-", " ").split()]
    while len(tokens) > 1 and tokens[0].capitalize() in _TITLES:
        tokens.pop(0)
    return [t.lower() for t in tokens if t]
