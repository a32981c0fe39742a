"""Training data for the reader, read from ``../shared/data/qa-train``.

The reader reads a question with a whole passage, as the chat does with a retrieved
one, and points at the answer words or at nothing. SQuAD v1.1 (CC BY-SA 4.0) supplies
both kinds: a question's own paragraph holds its answer (the first annotator's span);
the same article's other paragraphs, and paragraphs of other articles sharing the
question's words, hold none (the wrong passages a search returns). SelQA (Apache-2.0)
has no answer words but marks the sentences of a Wikipedia section that answer, for
questions mostly reworded away from the section's words (``is_paraphrase``): with
``selqa=True`` its sections are read too, the answer somewhere in those sentences.

Validation is split by article (never by question: questions on one paragraph share
their answers), by a hash of the article's title, so it never moves between runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

SELQA_FILES = ("selqa/selqa-ass-dev.json", "selqa/selqa-ass-test.json")
SQUAD_FILES = ("squad/squad-v1.1-dev-part1.json", "squad/squad-v1.1-dev-part2.json",
               "squad/squad-v1.1-train-44-articles.json")
#: Share of articles held out for validation (by title hash).
VALIDATION_SHARE = 0.1


@dataclass(frozen=True)
class Question:
    """A question on ``paragraphs[paragraph]``, answered by its characters
    ``span[0]:span[1]``; ``answers`` holds every annotator's answer text."""

    article: str
    question: str
    paragraph: int  # index into the global paragraph list
    span: tuple[int, int]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A SelQA question on one Wikipedia section (its sentences joined by spaces), answered
    somewhere in the sentences at characters ``sentences``; ``others`` are the article's
    other sections (no answer)."""

    article: str
    question: str
    passage: str
    sentences: tuple[tuple[int, int], ...]
    others: tuple[str, ...]

    def answered_by(self, start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in self.sentences)


@dataclass(frozen=True)
class Corpus:
    """Every paragraph (with its article), and the questions split by article."""

    paragraphs: tuple[str, ...]
    article_of: tuple[str, ...]  # one per paragraph
    train: tuple[Question, ...]
    valid: tuple[Question, ...]
    sections_train: tuple[Section, ...] = ()
    sections_valid: tuple[Section, ...] = ()


def is_validation(article: str) -> bool:
    digest = hashlib.sha256(article.encode()).digest()
    return digest[0] < 256 * VALIDATION_SHARE


def load(root: Path, selqa: bool = False) -> Corpus:
    missing = [f for f in SQUAD_FILES + SELQA_FILES * selqa if not (root / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{root} lacks {', '.join(missing)} - the training data is "
                                "read from ../shared/data/qa-train")
    paragraphs: list[str] = []
    article_of: list[str] = []
    questions: list[Question] = []
    for name in SQUAD_FILES:
        for article in json.loads((root / name).read_text(encoding="utf-8"))["data"]:
            # The train file has no titles: its first paragraph's first words name it.
            title = article.get("title") or article["paragraphs"][0]["context"][:60]
            for paragraph in article["paragraphs"]:
                context = paragraph["context"]
                n = len(paragraphs)
                paragraphs.append(context)
                article_of.append(title)
                for qa in paragraph["qas"]:
                    first = qa["answers"][0]
                    start = first["answer_start"]
                    end = start + len(first["text"])
                    if context[start:end] != first["text"]:
                        continue  # an offset that does not match its text
                    texts = tuple(dict.fromkeys(x["text"] for x in qa["answers"]))
                    questions.append(Question(title, qa["question"].strip(), n,
                                              (start, end), texts))
    sections = load_selqa(root) if selqa else []
    return Corpus(tuple(paragraphs), tuple(article_of),
                  tuple(q for q in questions if not is_validation(q.article)),
                  tuple(q for q in questions if is_validation(q.article)),
                  tuple(s for s in sections if not is_validation(s.article)),
                  tuple(s for s in sections if is_validation(s.article)))


def load_selqa(root: Path) -> list[Section]:
    rows = [row for name in SELQA_FILES
            for row in json.loads((root / name).read_text(encoding="utf-8"))]
    passages: dict[str, dict[str, None]] = {}  # article -> its sections, in order
    sections = []
    for row in rows:
        passage, spans = "", []
        for sentence in row["candidates"]:
            passage += " " * bool(passage)
            spans.append((len(passage), len(passage) + len(sentence)))
            passage += sentence
        passages.setdefault(row["article"], {})[passage] = None
        sections.append((row, passage, tuple(spans[i] for i in row["answers"])))
    return [Section(row["article"], row["question"].strip(), passage, answer,
                    tuple(p for p in passages[row["article"]] if p != passage))
            for row, passage, answer in sections if answer]


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
