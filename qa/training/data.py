"""Training data for the reader, read from ``../shared/data/qa-train``.

Every question becomes one :class:`Item`: its candidate sentences (split by the product's
own sentence splitter, so training sees the sentences the chat will score), which of
them answer, and where the answer words are in the answering sentence.

- SQuAD v1.1 (CC BY-SA 4.0): the paragraph's sentences are the close candidates; the
  article's other paragraphs give the far ones (same subject, other facts: what a
  retrieved passage of the wrong article looks like). The sentence holding the first
  annotated answer answers; its span is the answer words.
- SelQA (Apache-2.0): a question and the candidate sentences of one Wikipedia section,
  some marked as answering. No answer words: it trains only the selection head.

Validation is split by article (never by question: questions on one paragraph share
their answers), by a hash of the article's title, so it never moves between runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..split import sentence_spans

SQUAD_FILES = ("squad/squad-v1.1-dev-part1.json", "squad/squad-v1.1-dev-part2.json",
               "squad/squad-v1.1-train-44-articles.json")
SELQA_FILES = ("selqa/selqa-ass-dev.json", "selqa/selqa-ass-test.json")
#: Share of articles held out for validation (by title hash).
VALIDATION_SHARE = 0.1


@dataclass(frozen=True)
class Item:
    """One question: ``sentences[i]`` answers when ``i in positives``; for SQuAD the
    answer words are ``sentences[positives[0]][span[0]:span[1]]`` and ``answers`` holds
    every annotator's answer text. ``far`` are sentences of the article's other
    paragraphs."""

    source: str  # "squad" or "selqa"
    article: str
    question: str
    sentences: tuple[str, ...]
    positives: tuple[int, ...]
    span: tuple[int, int] | None
    answers: tuple[str, ...]
    far: tuple[str, ...] = ()


def is_validation(article: str) -> bool:
    digest = hashlib.sha256(article.encode()).digest()
    return digest[0] < 256 * VALIDATION_SHARE


def _split_sentences(text: str) -> list[tuple[int, int]]:
    return [(a, b) for a, b, _ in sentence_spans(text)]


def _squad_items(path: Path) -> list[Item]:
    items = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        # The train file has no titles: its first paragraph's first words name it.
        title = article.get("title") or article["paragraphs"][0]["context"][:60]
        paragraphs = [p["context"] for p in article["paragraphs"]]
        layouts = [_split_sentences(p) for p in paragraphs]
        for n, paragraph in enumerate(article["paragraphs"]):
            context, layout = paragraph["context"], layouts[n]
            sentences = tuple(context[a:b] for a, b in layout)
            far = tuple(paragraphs[m][a:b] for m in range(len(paragraphs)) if m != n
                        for a, b in layouts[m])
            for qa in paragraph["qas"]:
                first = qa["answers"][0]
                start, end = first["answer_start"], first["answer_start"] + len(first["text"])
                if context[start:end] != first["text"]:
                    continue  # an offset that does not match its text
                holding = [i for i, (a, b) in enumerate(layout) if a <= start and end <= b]
                if not holding:
                    continue  # the answer crosses a sentence boundary: no sentence holds it
                i = holding[0]
                a = layout[i][0]
                texts = tuple(dict.fromkeys(x["text"] for x in qa["answers"]))
                items.append(Item("squad", title, qa["question"].strip(), sentences, (i,),
                                  (start - a, end - a), texts, far))
    return items


def _selqa_items(path: Path) -> list[Item]:
    items = []
    for q in json.loads(path.read_text(encoding="utf-8")):
        sentences = tuple(" ".join(s.split()) for s in q["candidates"])
        positives = tuple(i for i in q["answers"] if 0 <= i < len(sentences))
        if not positives or len(positives) == len(sentences):
            continue
        items.append(Item("selqa", f"selqa:{q['article']}", q["question"].strip(), sentences,
                          positives, None, ()))
    return items


def load(root: Path) -> tuple[list[Item], list[Item]]:
    """(training items, validation items) from the qa-train folder ``root``."""
    missing = [f for f in (*SQUAD_FILES, *SELQA_FILES) if not (root / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{root} lacks {', '.join(missing)} - the training data is "
                                "read from ../shared/data/qa-train")
    items = [i for f in SQUAD_FILES for i in _squad_items(root / f)]
    items += [i for f in SELQA_FILES for i in _selqa_items(root / f)]
    train = [i for i in items if not is_validation(i.article)]
    valid = [i for i in items if is_validation(i.article)]
    return train, valid


# -- SQuAD's answer normalisation, for exact match and F1 ----------------------------------
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    return " ".join(_ARTICLES.sub(" ", _PUNCT.sub(" ", text.lower())).split())


def f1(prediction: str, truth: str) -> float:
    p, t = normalise(prediction).split(), normalise(truth).split()
    common = sum(min(p.count(w), t.count(w)) for w in set(p) & set(t))
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(t)
    return 2 * precision * recall / (precision + recall)


def exact(prediction: str, truth: str) -> float:
    return float(normalise(prediction) == normalise(truth))
