"""Gathering the hits that answer a planned question, in the order a news reader wants:
passages published in the period asked about first, those naming every person asked
about next, and a speaker's own quotes leading "What did X say?".
"""

from __future__ import annotations

from qa.search.hits import Hit
from qa.search.news_order import naming_all, published_first
from qa.search.retriever import Retriever
from qa.search.snapshot import Snapshot

from .plan import Plan
from .speakers import QuoteHit, quotes_of


def gather(retriever: Retriever, snap: Snapshot, plan: Plan) -> tuple[list[Hit], str | None]:
    """The hits for ``plan`` from ``snap``, and what was understood of the question
    (saying so when the period held nothing and any date was searched instead, and when
    undated articles, which a period keeps, are among the hits)."""
    intent, filters, settings = plan.intent, plan.filters, retriever.settings
    understood = plan.understood
    hits = retriever.search(intent.text, plan.pool, filters=filters, snapshot=snap)
    if filters.about:  # published in the period first, then passages only naming it
        hits = published_first(hits, *filters.about,
                               per_article=settings.period_per_article)[:plan.shown]
    elif intent.time:  # "latest": the newest of the relevant, a few more to pick from
        hits = hits[:max(plan.shown, 10)]
    hits = naming_all(hits, intent.people, settings.prefer_share)
    if not hits and intent.time and filters.about:
        hits = retriever.search(intent.text, plan.k, filters=filters.with_(about=None),
                                snapshot=snap)
        understood = f"{understood}: none found, so articles of any date"
    elif filters.about and any(not h.date for h in hits):
        understood = f"{understood}, and undated ones"
    return hits, understood


def lead_with_quotes(snap: Snapshot, plan: Plan, hits: list[Hit], understood: str | None
                     ) -> tuple[list[Hit], list[QuoteHit], str | None]:
    """For "What did X say?": X's quotes on the topic lead, then the other hits."""
    intent = plan.intent
    quoted = quotes_of(snap, intent.speaker, intent.topic, limit=plan.k) if intent.speaker else []
    if not quoted:
        return hits, quoted, understood
    first = {q.hit.passage_id for q in quoted}
    hits = [q.hit for q in quoted] + [h for h in hits if h.passage_id not in first]
    understood = " · ".join(x for x in (understood, f"Quotes of {quoted[0].speaker}") if x)
    return hits[:max(plan.k, len(quoted))], quoted, understood
