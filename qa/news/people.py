"""The people a handful of passages name: the chat's "Named in these articles" line and
the API's ``people``, read from the passages shown, not from their whole articles.

By rule, strictly (:func:`~qa.news.names.find_names` with ``strict``): a name counts when
the passages mark it as a person's - an honorific or title ("Mr Blair", "Prime Minister
Narendra Modi"), a said-verb ("Gor said"), an apposition ("Catalina Sandino Moreno, who
took best actress"), a person noun before it ("editor David Roberts") - or when it ends
in the surname of such a person ("Maria Hutchings" after "Mrs Hutchings"). Titles of
songs, films and shows ("Gonna Have a No 1 This Christmas", "Maria Full of Grace", "the
Wright Stuff show") and "Father Christmas" are not people.

Why not a statistical tagger: spaCy's small English pipeline (en_core_web_sm 3.8.0) was
measured for this (issue "A newcomer's first hour", item 7): about 170 ms of CPU for five
passages on these machines against a budget of a few tens, ten seconds to import, and it
still tagged "Maria Full" a PERSON. These rules take well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Iterable

from .names import find_names
from .quotes import SPEAKS

# Between two passages: no name runs across it (a capitalised run needs plain spaces).
_BETWEEN = "\n¶\n"


def people_in(passages: Iterable[tuple[str, str]], *, limit: int = 8) -> list[tuple[str, int]]:
    """``(name, articles)`` for the people named in ``passages`` (``(article id, text)``
    pairs), each under the fullest form used ("Sergio Gor" for "Ambassador Gor" too),
    with how many of the articles name them; most articles first, then first named."""
    passages = list(passages)
    text = _BETWEEN.join(t for _, t in passages)
    starts, at = [], 0
    for _, t in passages:
        starts.append(at)
        at += len(t) + len(_BETWEEN)
    fullest: dict[str, str] = {}  # surname -> the fullest name used
    seen: dict[str, set[str]] = {}  # surname -> articles naming the person
    for name in find_names(text, SPEAKS, strict=True):
        if not name.person:
            continue
        surname = name.text.split()[-1]
        if len(name.text) > len(fullest.get(surname, "")):
            fullest[surname] = name.text
        which = max(i for i, s in enumerate(starts) if s <= name.start)
        seen.setdefault(surname, set()).add(passages[which][0])
    order = sorted(seen, key=lambda s: -len(seen[s]))  # stable: first named first
    return [(fullest[s], len(seen[s])) for s in order[:limit]]
