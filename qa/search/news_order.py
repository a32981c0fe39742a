"""Re-orderings of hits for news questions, applied after ranking: preferences among the
relevant hits (those scoring at least a share of the best), never over relevance.

"Latest" questions want the newest first, a question naming two people the passages
naming both, and a question about a period the passages published in it before those
only recalling a day of it, with no one long article taking every place.
"""

from __future__ import annotations

from .hits import Hit


def prefer(hits: list[Hit], share: float, key, *, reverse: bool = False) -> list[Hit]:
    """The hits scoring at least ``share`` of the best, sorted by ``key`` (stable: ties
    keep their score order), then the others: a preference among the relevant, never
    over relevance."""
    if not hits:
        return []
    bar = hits[0].score * share
    relevant = sorted((h for h in hits if h.score >= bar), key=key, reverse=reverse)
    return relevant + [h for h in hits if h.score < bar]


def naming_all(hits: list[Hit], surnames: tuple[str, ...], share: float) -> list[Hit]:
    """With two names or more asked about: the relevant passages naming them all first."""
    if len(surnames) < 2:
        return hits
    return prefer(hits, share, lambda h: sum(n not in h.text.lower() for n in surnames))


def published_first(hits: list[Hit], first: str | None, last: str | None, *,
                    per_article: int | None = None) -> list[Hit]:
    """The hits published in ``first..last`` before those that only name a date in it
    (an article of July recalling "on 11 June"), each group in score order; with
    ``per_article``, at most that many passages of one article lead the published group
    (see :func:`spread`). Undated hits (they may be of the period) lead where they score
    above every dated hit, and follow all of them otherwise."""
    dated = [h for h in hits if h.date]
    top = max((h.score for h in dated), default=float("-inf"))
    published = [h for h in dated if published_in(h, first, last)]
    if per_article is not None:
        published = spread(published, per_article)
    return ([h for h in hits if not h.date and h.score > top] + published
            + [h for h in dated if not published_in(h, first, last)]
            + [h for h in hits if not h.date and h.score <= top])


def published_in(hit: Hit, first: str | None, last: str | None) -> bool:
    """Whether ``hit``'s article is dated within ``first..last`` (days, either open)."""
    day = (hit.date or "")[:10]
    return bool(day) and (first is None or day >= first) and (last is None or day <= last)


def spread(hits: list[Hit], per_article: int) -> list[Hit]:
    """The hits with each article's passages beyond its first ``per_article`` moved after
    the others (order otherwise kept), so that several reports come first rather than
    one long article's every passage."""
    seen: dict[str, int] = {}
    first, later = [], []
    for hit in hits:
        seen[hit.article_id] = seen.get(hit.article_id, 0) + 1
        (first if seen[hit.article_id] <= per_article else later).append(hit)
    return first + later


def newest_first(hits: list[Hit], k: int, share: float) -> list[Hit]:
    """The newest of the relevant hits first (dated before undated)."""
    return prefer(hits, share, lambda h: h.date or "", reverse=True)[:k]
