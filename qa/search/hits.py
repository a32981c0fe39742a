"""Hits: the retrieved passages as the caller gets them, with their article's metadata,
and near-duplicates of another article folded into the better hit."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from qa.ingest.near_duplicates import same_story

from .ranking import Ranked
from .snapshot import Snapshot


@dataclass(frozen=True)
class Hit:
    """One retrieved passage and where it came from. ``start``/``end`` are character
    offsets of ``text`` in the article body; ``version`` names the index version that
    answered.

    ``score`` is the search's relevance score, the number the hits are ranked by (higher
    is better), and the one number every surface shows for a passage: the chat's cards
    (sorted by it), `qa ask`, the HTTP API and this field. Its scale is the mode's:
    hybrid (the default) adds the max-normalised dense and BM25 scores of the candidates
    in the settings' shares, so it is at most 1 (the best in both ways) and says how a
    passage compares with the best match, not whether anything answers; dense gives the
    cosine to the question, bm25 the BM25 score. A speaker's quotes leading "What did X
    say?" score 1. Whether anything answers at all is ``Answer.relevant``, judged on the
    cosine (``Answer.similarities``).
    """

    text: str
    score: float
    article_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    start: int
    end: int
    passage_id: int
    also_in: tuple[str, ...] = ()  # other articles carrying the same passage
    version: str = ""

    def to_dict(self) -> dict:
        out = asdict(self)
        out["also_in"] = list(self.also_in)
        return out


def collapse(hits: list[Hit], k: int) -> list[Hit]:
    """The first ``k`` hits with near-duplicates of a better hit (same story, another
    article) folded into that hit's ``also_in``."""
    kept: list[Hit] = []
    for hit in hits:
        for i, better in enumerate(kept):
            if better.article_id != hit.article_id and same_story(better.text, hit.text):
                if hit.article_id not in better.also_in:
                    kept[i] = replace(better, also_in=(*better.also_in, hit.article_id))
                break
        else:
            if len(kept) == k:
                break
            kept.append(hit)
    return kept


def hits_of(snap: Snapshot, ranked: Ranked) -> list[Hit]:
    """The ranked passages of ``snap`` with their text and article metadata."""
    if not ranked:
        return []
    rows = snap.rows([pid for pid, _ in ranked])
    return [
        Hit(text=r["text"], score=float(score), article_id=r["article_id"], title=r["title"],
            date=r["date"], source=r["source"], url=r["url"], start=r["start"], end=r["end"],
            passage_id=pid, version=snap.name)
        for pid, score in ranked
        if (r := rows.get(pid)) is not None
    ]


collapse_hits = collapse  # for callers with a parameter named ``collapse``
