"""The trained reader network: the shipped MiniLM encoder reading a question with a
passage, and the weights that ship with the package.

One pass over ``[CLS] question [SEP] passage [SEP]`` gives, for every word piece of the
passage, *start* and *end* logits (SQuAD-style: where the answer words begin and end;
[CLS] stands for "no answer here"), and from the [CLS] vector an *answers* logit (does
this passage answer the question at all?). A sentence's score is its best answer span
against the passage's "no answer" score, so sentences of different passages compare.
``python -m qa.training.reader`` trains it (model card: ``qa/models/reader/MODEL_CARD.md``).

What ships is the fine-tuned network as an int8 ONNX graph (``qa/models/reader/reader.onnx``,
about 12 MB; :mod:`qa.training.network` exports it), checked by sha256 before use and run
by ONNX Runtime, so answering needs no torch. The word-embedding table was frozen in
training, so it is read from the bundled all-MiniLM-L6-v2 weights (themselves
sha256-checked) rather than stored twice; the graph takes the looked-up embeddings.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.embed.bundled import bundled_model_dir
from qa.embed.onnx_encoder import session, word_table

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "reader"
WEIGHTS = "reader.onnx"
#: sha256 of the shipped weights (printed by ``python -m qa.training.reader --export``).
WEIGHTS_SHA256 = "9abcebe52c70b67c13cef34333a1ee4a001736343fe82a7acf9ede87e76536cc"
#: Word pieces of one pair: [CLS] question [SEP] passage [SEP]. A passage is at most 254
#: pieces (``Settings.passage_tokens``), so none is cut.
MAX_LENGTH = 300
MAX_QUESTION = 40
#: The longest answer, in word pieces.
MAX_ANSWER = 30


@dataclass(frozen=True)
class Pairs:
    """Encoded (question, passage) pairs, padded to one length."""

    ids: np.ndarray  # int64 [n, length]
    mask: np.ndarray  # attention mask
    types: np.ndarray  # token type ids: 1 on the passage
    offsets: np.ndarray  # int64 [n, length, 2]: characters of each piece in its passage
    in_text: np.ndarray  # bool [n, length]: the passage's own pieces


@dataclass(frozen=True)
class Read:
    """One passage as the network read it."""

    answers: float  # logit: the passage holds the answer
    null: float  # start + end logit of [CLS]: the score of "no answer here"
    start: np.ndarray  # logits of the passage's pieces, in order
    end: np.ndarray
    offsets: np.ndarray  # [pieces, 2]: each piece's characters in the passage
    norm: float  # log-sum-exp of the start logits ([CLS] and the passage's) plus the end's

    def best(self, lo: int, hi: int) -> tuple[int, int, float, float] | None:
        """The likeliest answer words inside characters ``lo:hi`` (a sentence):
        ``(start, end, score, probability)``, the score relative to "no answer here"
        and the probability among every span of the passage and "no answer"."""
        inside = np.flatnonzero((self.offsets[:, 0] >= lo) & (self.offsets[:, 1] <= hi)
                                & (self.offsets[:, 1] > self.offsets[:, 0]))
        if not len(inside):
            return None
        s, e = self.start[inside], self.end[inside]
        joint = s[:, None] + e[None, :]
        band = np.triu(np.ones_like(joint, dtype=bool)) & ~np.triu(
            np.ones_like(joint, dtype=bool), MAX_ANSWER)
        joint = np.where(band, joint, -np.inf)
        i, j = np.unravel_index(int(np.argmax(joint)), joint.shape)
        top = float(joint[i, j])
        return (int(self.offsets[inside[i], 0]), int(self.offsets[inside[j], 1]),
                top - self.null, float(np.exp(top - self.norm)))


def tokenizer(base_dir: Path | None = None) -> Tokenizer:
    """The base model's word-piece tokenizer, set up for pairs."""
    from tokenizers import Tokenizer as _Tokenizer

    tok = _Tokenizer.from_file(str((base_dir or bundled_model_dir()) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def encode(tok: Tokenizer, questions: Sequence[str], passages: Sequence[str]) -> Pairs:
    """Pairs as the network reads them: the question cut to ``MAX_QUESTION`` pieces, the
    passage to what is left of ``MAX_LENGTH``."""
    rows = []
    for question, passage in zip(questions, passages):
        q = tok.encode(question, add_special_tokens=False)
        s = tok.encode(passage, add_special_tokens=False)
        q_ids, s_ids = q.ids[:MAX_QUESTION], s.ids[: MAX_LENGTH - 3 - min(len(q.ids), MAX_QUESTION)]
        rows.append((q_ids, s_ids, s.offsets[: len(s_ids)]))
    length = max(len(q) + len(s) + 3 for q, s, _ in rows)
    n = len(rows)
    ids = np.zeros((n, length), dtype=np.int64)
    types = np.zeros((n, length), dtype=np.int64)
    mask = np.zeros((n, length), dtype=np.int64)
    offsets = np.zeros((n, length, 2), dtype=np.int64)
    inside = np.zeros((n, length), dtype=bool)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    for r, (q_ids, s_ids, s_offsets) in enumerate(rows):
        row = [cls, *q_ids, sep, *s_ids, sep]
        ids[r, : len(row)] = row
        mask[r, : len(row)] = 1
        first = len(q_ids) + 2
        types[r, first : len(row)] = 1
        inside[r, first : first + len(s_ids)] = True
        if s_ids:
            offsets[r, first : first + len(s_ids)] = s_offsets
    return Pairs(ids, mask, types, offsets, inside)


class TrainedReader:
    """The shipped reader (int8 ONNX on ONNX Runtime, no torch), loaded once and shared
    by threads."""

    def __init__(self, model_dir: Path = MODEL_DIR, sha256: str = WEIGHTS_SHA256,
                 threads: int = 0) -> None:
        # The query encoder's table: one copy in the process.
        self.words = word_table()
        self.session = session(model_dir / WEIGHTS, sha256, "retrain it (python -m "
                               "qa.training.reader; see its model card)", threads)
        self.tokenizer = tokenizer(bundled_model_dir())

    def read(self, question: str, passages: Sequence[str]) -> list[Read]:
        """Each passage read with ``question``."""
        if not passages:
            return []
        pairs = encode(self.tokenizer, [question] * len(passages), passages)
        answers, start, end = (x.astype(np.float64) for x in self.session.run(None, {
            "embeddings": self.words[pairs.ids], "attention_mask": pairs.mask,
            "token_type_ids": pairs.types}))
        return reads(answers, start, end, pairs)


def reads(answers: np.ndarray, start: np.ndarray, end: np.ndarray, pairs: Pairs) -> list[Read]:
    """The network's outputs per passage."""
    out = []
    for r in range(len(answers)):
        where = np.flatnonzero(pairs.in_text[r])
        live = pairs.in_text[r].copy()
        live[0] = True  # [CLS]: no answer here
        norm = _logsumexp(start[r, live]) + _logsumexp(end[r, live])
        out.append(Read(float(answers[r]), float(start[r, 0] + end[r, 0]), start[r, where],
                        end[r, where], pairs.offsets[r, where], norm))
    return out


def _logsumexp(x: np.ndarray) -> float:
    top = float(x.max())
    return top + float(np.log(np.exp(x - top).sum()))


_shared: dict[Path, TrainedReader] = {}
_lock = threading.Lock()


def shared(model_dir: Path = MODEL_DIR) -> TrainedReader:
    """The process's one reader (loading takes about a second; answers reuse it)."""
    with _lock:
        if model_dir not in _shared:
            _shared[model_dir] = TrainedReader(model_dir)
        return _shared[model_dir]
