"""One immutable piece of the keyword index: the raw postings of a set of passages.

A segment stores, for its passages (``ids``, ascending) and for each field (single words,
and adjacent word pairs), every term's list of ``(passage, term frequency)`` and every
passage's length. It stores no scores: BM25 needs the document count, average length and
document frequencies of the whole index, which change whenever any segment is added or
any passage removed, so :mod:`qa.index.keyword.bm25` scores at query time from statistics summed
over all segments. That is what lets a new version link an old segment's files unchanged.

Files (``<field>`` is ``words`` or ``pairs``): ``ids.npy``, ``<field>.terms.json`` (the
vocabulary, in term-id order), ``<field>.indptr.npy`` (term id -> slice of the next two),
``<field>.docs.npy`` (local passage positions), ``<field>.tf.npy``, ``<field>.lengths.npy``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

FIELDS = ("words", "pairs")
_ARRAYS = ("indptr", "docs", "tf", "lengths")
_SHIFT, _LOW = 31, (1 << 31) - 1  # a pair key: smaller word id, larger word id
_TF_MAX = np.iinfo(np.uint16).max  # passages are a few hundred words: never reached


@dataclass(frozen=True, eq=False)
class Field:
    """Postings of one field: term ``t`` occurs in local passages
    ``docs[indptr[t]:indptr[t+1]]`` (ascending) ``tf[...]`` times each."""

    terms: list[str]
    indptr: np.ndarray  # int64
    docs: np.ndarray  # int32
    tf: np.ndarray  # uint16
    lengths: np.ndarray  # int32, tokens per passage

    @property
    def vocab(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.terms)}


@dataclass(frozen=True, eq=False)
class Segment:
    ids: np.ndarray  # int64 passage ids, ascending
    words: Field
    pairs: Field

    def field(self, name: str) -> Field:
        return self.words if name == "words" else self.pairs

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        np.save(folder / "ids.npy", self.ids, allow_pickle=False)
        for name in FIELDS:
            f = self.field(name)
            (folder / f"{name}.terms.json").write_text(json.dumps(f.terms, ensure_ascii=False))
            for part in _ARRAYS:
                np.save(folder / f"{name}.{part}.npy", getattr(f, part), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> Segment:
        mode = "r" if mmap else None

        def field(name: str) -> Field:
            terms = json.loads((folder / f"{name}.terms.json").read_text())
            arrays = {p: np.load(folder / f"{name}.{p}.npy", mmap_mode=mode, allow_pickle=False)
                      for p in _ARRAYS}
            return Field(terms, **arrays)

        ids = np.load(folder / "ids.npy", allow_pickle=False)
        return cls(ids, field("words"), field("pairs"))


def build(ids: Sequence[int], chunks: Iterable[tuple[list[list[int]], dict[str, int]]]
          ) -> Segment:
    """A segment of the passages ``ids`` (ascending), tokenized in ``chunks`` as bm25s
    returns them: per passage its token ids, and the chunk's ``{term: token id}``. Pairs
    are built from word ids, so a pair's string is made once per distinct pair rather
    than once per occurrence."""
    vocab: dict[str, int] = {}
    words, pairs, word_lengths, pair_lengths = [], [], [], []
    doc = 0
    for token_ids, local in chunks:
        remap = np.zeros(len(local), np.int64)
        for term, i in local.items():
            remap[i] = vocab.setdefault(term, len(vocab))
        lengths = np.fromiter(map(len, token_ids), np.int64, len(token_ids))
        flat = np.fromiter(chain.from_iterable(token_ids), np.int64, int(lengths.sum()))
        _batch(remap[flat], lengths, doc, words, pairs)
        word_lengths.append(lengths.astype(np.int32))
        pair_lengths.append(np.maximum(lengths - 1, 0).astype(np.int32))
        doc += len(token_ids)
    if doc != len(ids):
        raise ValueError("one token list per passage id")
    terms = list(vocab)
    empty = [np.zeros(0, np.int32)]
    word_keys, word_field = _merge(words, np.concatenate(word_lengths or empty))
    # Every word in ``vocab`` occurs, but spell the term -> slice mapping out anyway.
    counts = np.zeros(len(terms), np.int64)
    counts[word_keys] = np.diff(word_field[0])
    word_field = (np.r_[0, np.cumsum(counts)].astype(np.int64), *word_field[1:])
    pair_keys, pair_field = _merge(pairs, np.concatenate(pair_lengths or empty))
    pair_terms = [" ".join(sorted((terms[k >> _SHIFT], terms[k & _LOW])))
                  for k in pair_keys.tolist()]
    return Segment(np.asarray(ids, np.int64), Field(terms, *word_field),
                   Field(pair_terms, *pair_field))


def _batch(terms: np.ndarray, lengths: np.ndarray, first_doc: int, words: list,
           pairs: list) -> None:
    """Postings ``(term, doc, tf)`` of one batch of passages, for both fields."""
    if not len(terms):
        return
    docs = np.repeat(np.arange(first_doc, first_doc + len(lengths), dtype=np.int64), lengths)
    words.append(_count(terms, docs))
    # Adjacent tokens of the same passage, as one unordered key (smaller id first).
    same = docs[1:] == docs[:-1]
    a, b = terms[:-1][same], terms[1:][same]
    pairs.append(_count((np.minimum(a, b) << _SHIFT) | np.maximum(a, b), docs[:-1][same]))


def _count(terms: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(term, doc)`` with their counts, sorted by term then doc."""
    if not len(terms):
        return terms, docs.astype(np.int32), np.zeros(0, np.uint16)
    order = np.lexsort((docs, terms))
    t, d = terms[order], docs[order]
    start = np.flatnonzero(np.r_[True, (t[1:] != t[:-1]) | (d[1:] != d[:-1])])
    tf = np.diff(np.r_[start, len(t)])
    return t[start], d[start].astype(np.int32), np.minimum(tf, _TF_MAX).astype(np.uint16)


def _merge(chunks: list, lengths: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Per-batch postings merged into one field: ``(distinct term keys, (indptr, docs,
    tf, lengths))``, term ``keys[i]`` owning slice ``i``. Batches are in passage order, so
    a stable sort by term keeps each term's passages ascending."""
    if not sum(len(c[0]) for c in chunks):
        return np.zeros(0, np.int64), (np.zeros(1, np.int64), np.zeros(0, np.int32),
                                       np.zeros(0, np.uint16), lengths)
    terms = np.concatenate([c[0] for c in chunks])
    docs = np.concatenate([c[1] for c in chunks])
    tf = np.concatenate([c[2] for c in chunks])
    del chunks[:]
    order = np.argsort(terms, kind="stable")
    terms, docs, tf = terms[order], docs[order], tf[order]
    del order
    start = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
    return terms[start], (np.r_[start, len(terms)].astype(np.int64), docs, tf, lengths)
