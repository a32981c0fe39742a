"""BM25 keyword search over passages (bm25s's tokenizer with an English stemmer), in
segments that let a new index version cost what changed, not the whole archive.

Besides single words, a second field holds adjacent word pairs (after stopwords and
stemming, order ignored: "test ban", "viet nam", "nuclear force"). ``pair_weight``
(``Settings.pair_weight``; 0.15-0.2 measured alike, 0.1 and 0.5 lose ~0.01 nDCG@10 on
TIME) times its score is added to the word score, rewarding passages that use the question's
phrases over ones with its words scattered. Measured with 254-piece passages, in hybrid
search it lifted TIME 1963 from MAP 0.695 / nDCG@10 0.756 to 0.714 / 0.771 (BBC dev
Hit@1 unchanged at 0.80); BM25 alone barely moves, pairs alone rank worse than words.

On disk (``bm25/`` of a version) the index is a base segment, up to ``MAX_DELTAS``
small segments of passages added since, and per segment the positions of passages removed
since (``<segment>.deleted.npy``); ``segments.json`` lists them. Segments hold raw term
frequencies (:mod:`qa.index.keyword.segment`); scores are computed at query time with Lucene's BM25
(bm25s's default: k1 1.5, b 0.75) from the statistics of the live passages of all
segments, so they equal a rebuild's. A new version hard-links the unchanged segment
files of the previous one (version folders stay immutable), writes one segment of the
new passages and the removals; when removals and deltas outgrow ``MERGE_SHARE`` of the
base, the next build rewrites one base from the passage texts.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from .segment import FIELDS, Segment
from .segment import build as build_segment

_stemmer = Stemmer.Stemmer("english")
_K1, _B = 1.5, 0.75
LAYOUT = "segments.json"
MERGE_SHARE = 0.1  # rewrite the base when removals and deltas pass this share of it...
MERGE_MIN = 1000  # ...and this many passages (small indexes rebuild cheaply anyway)
MAX_DELTAS = 8  # more delta segments than this are rewritten as one
_CHUNK = 20_000  # passages tokenized at a time


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer, return_ids=False, show_progress=False
    )


def _pairs(words: list[str]) -> list[str]:
    """Each adjacent pair of ``words`` as one token, in alphabetical order."""
    return [" ".join(sorted(pair)) for pair in zip(words, words[1:])]


def _chunks(texts: Iterable[str]) -> Iterator[tuple[list[list[int]], dict[str, int]]]:
    """``texts`` tokenized ``_CHUNK`` at a time: token ids per text, and the vocabulary."""
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == _CHUNK:
            yield _token_ids(chunk)
            chunk = []
    if chunk:
        yield _token_ids(chunk)


def _token_ids(texts: list[str]) -> tuple[list[list[int]], dict[str, int]]:
    done = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer, show_progress=False)
    return done.ids, done.vocab


class Lexical:
    """BM25 over words and adjacent word pairs of the live passages of some segments.

    ``ids`` are the live passage ids, ascending; score arrays follow that order."""

    def __init__(self, segments: Sequence[Segment], deleted: Sequence[np.ndarray],
                 names: Sequence[str] | None = None) -> None:
        self.segments = list(segments)
        self.names = list(names or [f"seg-{i + 1:06d}" for i in range(len(segments))])
        self.deleted = [np.asarray(d, np.int64) for d in deleted]  # local positions
        live = []
        for seg, dead in zip(self.segments, self.deleted):
            mask = np.ones(len(seg.ids), bool)
            mask[dead] = False
            live.append(mask)
        self.ids = np.sort(np.concatenate([s.ids[m] for s, m in zip(self.segments, live)]
                                          or [np.zeros(0, np.int64)]))
        self.num_docs = len(self.ids)
        # Local position -> position in ``ids``, -1 for a removed passage; and where a
        # segment's passages are all live and adjacent in ``ids`` (a base without
        # removals), the first position, so scoring can skip the lookup.
        self._pos, self._start = [], []
        for seg, mask in zip(self.segments, live):
            pos = np.searchsorted(self.ids, seg.ids).astype(np.int64)
            pos[~mask] = -1
            self._pos.append(pos)
            adjacent = mask.all() and (not len(pos) or pos[-1] - pos[0] == len(pos) - 1)
            self._start.append(int(pos[0]) if adjacent and len(pos) else None)
        self._vocab = [{f: seg.field(f).vocab for f in FIELDS} for seg in self.segments]
        self._norm: list[dict[str, np.ndarray]] = [{} for _ in self.segments]
        for f in FIELDS:
            total = sum(int(seg.field(f).lengths[m].sum(dtype=np.int64))
                        for seg, m in zip(self.segments, live))
            avgdl = total / self.num_docs if self.num_docs and total else 1.0
            for i, seg in enumerate(self.segments):
                lengths = np.asarray(seg.field(f).lengths, np.float32)
                self._norm[i][f] = (_K1 * ((1 - _B) + _B * lengths / np.float32(avgdl))
                                    ).astype(np.float32)

    # -- building and storing -------------------------------------------------------------
    @classmethod
    def build(cls, ids: Sequence[int], texts: Iterable[str]) -> Lexical:
        """One segment of the passages ``ids`` (ascending) with the texts ``texts``."""
        return cls([build_segment(ids, _chunks(texts))], [np.zeros(0, np.int64)])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, seg in zip(self.names, self.segments):
            seg.save(folder / name)
        _write_layout(folder, self.names, self.deleted)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        names, deleted = _read_layout(folder)
        return cls([Segment.load(folder / n) for n in names], deleted, names)

    @staticmethod
    def terms(texts: Sequence[str]) -> list[list[str]]:
        """Each text's terms as the index sees them (stemmed, stopwords dropped)."""
        return _tokens(texts) if texts else []

    # -- statistics -----------------------------------------------------------------------
    def _postings(self, field: str, term: str) -> list[tuple[int, np.ndarray,
                                                             np.ndarray | None, np.ndarray]]:
        """``(segment, local docs, positions or None, tf)`` of the live passages holding
        ``term`` (None: the positions are the docs shifted by the segment's start)."""
        out = []
        for i, seg in enumerate(self.segments):
            tid = self._vocab[i][field].get(term)
            if tid is None:
                continue
            f = seg.field(field)
            start, end = int(f.indptr[tid]), int(f.indptr[tid + 1])
            docs, tf = np.asarray(f.docs[start:end]), np.asarray(f.tf[start:end])
            if self._start[i] is not None:
                pos = None  # positions are ``docs`` shifted by ``_start[i]``
            else:
                pos = self._pos[i][docs]
                if len(self.deleted[i]):
                    keep = pos >= 0
                    docs, pos, tf = docs[keep], pos[keep], tf[keep]
            if len(docs):
                out.append((i, docs, pos, tf))
        return out

    def doc_freqs(self, terms: Iterable[str]) -> dict[str, int]:
        """How many live passages hold each word term (0 for unknown terms)."""
        return {t: sum(len(p[1]) for p in self._postings("words", t)) for t in terms}

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25's (Lucene's) IDF of each word term; unknown terms weigh as in no passage."""
        n = float(self.num_docs)
        return {t: math.log(1 + (n - df + 0.5) / (df + 0.5))
                for t, df in self.doc_freqs(terms).items()}

    # -- searching ------------------------------------------------------------------------
    def _field_scores(self, field: str, terms: list[str]) -> np.ndarray | None:
        scores = None
        n = self.num_docs
        for term in terms:  # a repeated query term counts again, as in bm25s
            found = self._postings(field, term)
            df = sum(len(p[1]) for p in found)
            if not df:
                continue
            idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
            if scores is None:
                scores = np.zeros(n, np.float32)
            for i, docs, pos, tf in found:
                w = tf.astype(np.float32)
                w /= w + self._norm[i][field][docs]
                w *= idf
                if pos is None:
                    start = self._start[i]
                    scores[start : start + len(self._pos[i])][docs] += w
                else:
                    scores[pos] += w
        return scores

    def scores(self, query: str, *, pair_weight: float = 0.2) -> np.ndarray | None:
        """The BM25 score of every passage (in ``ids`` order), or None if no query word
        is in the index."""
        words = _tokens([query])[0]
        scores = self._field_scores("words", words) if self.num_docs else None
        if scores is None:
            return None
        phrases = self._field_scores("pairs", _pairs(words))
        if phrases is not None:
            scores += np.float32(pair_weight) * phrases
        return scores

    def search(
        self,
        query: str,
        k: int,
        *,
        mask: np.ndarray | None = None,
        pair_weight: float = 0.2,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(scores, ids)`` with a positive score, among the positions ``mask``
        (a boolean array in ``ids`` order) admits, if given."""
        scores = self.scores(query, pair_weight=pair_weight)
        if scores is None:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top].astype(np.float32), self.ids[top]


# -- the next version's keyword index ----------------------------------------------------
def _write_layout(folder: Path, names: Sequence[str], deleted: Sequence[np.ndarray]) -> None:
    entries = []
    for name, dead in zip(names, deleted):
        entries.append({"name": name, "deleted": int(len(dead))})
        if len(dead):
            np.save(folder / f"{name}.deleted.npy", np.asarray(dead, np.int64), allow_pickle=False)
    (folder / LAYOUT).write_text(json.dumps({"segments": entries}, indent=1))


def present(ascending: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which of ``values`` occur in ``ascending`` (sorted): a binary search each, where
    ``np.isin`` of two 1M-id arrays hashes both (a third of a second each time)."""
    if not len(ascending):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ascending, values), len(ascending) - 1)
    return ascending[at] == values


def live_ids(folder: Path) -> np.ndarray | None:
    """The passage ids the keyword index at ``folder`` holds, ascending (None: no segments)."""
    if not (folder / LAYOUT).is_file():
        return None
    parts = []
    for name, dead in zip(*_read_layout(folder)):
        own = np.load(folder / name / "ids.npy", allow_pickle=False)
        parts.append(np.delete(own, dead))
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def _read_layout(folder: Path) -> tuple[list[str], list[np.ndarray]]:
    entries = json.loads((folder / LAYOUT).read_text())["segments"]
    names = [e["name"] for e in entries]
    deleted = [np.load(folder / f"{e['name']}.deleted.npy", allow_pickle=False)
               if e["deleted"] else np.zeros(0, np.int64) for e in entries]
    return names, deleted


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link every file of ``source`` into ``target`` (a copy where links fail):
    segment files are never written again, so versions can share them."""
    target.mkdir(parents=True)
    for file in source.iterdir():
        try:
            os.link(file, target / file.name)
        except OSError:
            shutil.copyfile(file, target / file.name)


def update(previous: Path | None, folder: Path, ids: np.ndarray,
           texts: Callable[[np.ndarray], Iterable[str]]) -> str:
    """Write into ``folder`` the keyword index of the passages ``ids`` (ascending), starting
    from the one at ``previous`` (None: from nothing). ``texts(some_ids)`` yields the texts
    of ascending ids. Only passages not live in ``previous`` are tokenized, unless a merge
    is due. Returns what was done: "full", "merge", "delta" or "same"."""
    ids = np.asarray(ids, np.int64)
    if previous is None or not (previous / LAYOUT).is_file():
        Lexical.build(ids, texts(ids)).save(folder)
        return "full"
    names, deleted = _read_layout(previous)
    seg_ids = [np.load(previous / n / "ids.npy", allow_pickle=False) for n in names]
    dead_now, live_before = [], []
    for own, dead in zip(seg_ids, deleted):
        gone = ~present(ids, own)
        gone[dead] = True  # a removed passage's id may be live again, as a new passage
        dead_now.append(np.flatnonzero(gone).astype(np.int64))
        live_before.append(own[~gone])
    alive = np.concatenate(live_before) if live_before else np.zeros(0, np.int64)
    added = ids[~present(np.sort(alive), ids)]
    base_live = len(seg_ids[0]) - len(dead_now[0]) if names else 0
    churn = sum(len(d) for d in dead_now) + sum(len(x) for x in live_before[1:]) + len(added)
    if churn > max(MERGE_SHARE * base_live, MERGE_MIN):
        Lexical.build(ids, texts(ids)).save(folder)
        return "merge"
    number = max(int(n.split("-")[1]) for n in names) + 1
    keep = list(range(len(names)))
    new_deltas: list[np.ndarray] = [added] if len(added) else []
    if len(names) - 1 + len(new_deltas) > MAX_DELTAS:  # rewrite the deltas as one
        new_deltas = [np.sort(np.concatenate(live_before[1:] + [added]))]
        keep = [0]
    folder.mkdir(parents=True, exist_ok=True)
    out_names, out_deleted = [], []
    for i in keep:
        _link_tree(previous / names[i], folder / names[i])
        out_names.append(names[i])
        out_deleted.append(dead_now[i])
    for delta in new_deltas:
        name = f"seg-{number:06d}"
        number += 1
        Lexical.build(delta, texts(delta)).segments[0].save(folder / name)
        out_names.append(name)
        out_deleted.append(np.zeros(0, np.int64))
    _write_layout(folder, out_names, out_deleted)
    return "delta" if len(added) or len(keep) < len(names) else "same"
