"""Evaluation data: BEIR-layout collections, question files, and the cached index of a
collection's corpus that ``qa eval`` builds on first use."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.embed.model import sha256_file
from qa.embed.protocol import Embedder
from qa.errors import QAError
from qa.index import versions
from qa.index.build import Progress, build_index
from qa.settings import Settings

log = logging.getLogger(__name__)


class EvalDataError(QAError):
    """An evaluation file is missing or malformed."""


@dataclass(frozen=True)
class Collection:
    """A BEIR-layout test collection: queries by id, and graded judgments per query."""

    name: str
    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Question:
    question: str
    article: str
    answer: str
    split: str | None = None  # "tune" or "report" in sets split for honest reporting
    also: tuple[str, ...] = ()  # other articles judged to state the same answer

    def names(self, article_id: str, also_in: tuple[str, ...] = ()) -> bool:
        """Whether a passage of ``article_id`` (folded with copies in ``also_in``) is one
        this question's answer may come from."""
        return bool({article_id, *also_in} & {self.article, *self.also})


# -- reading evaluation data ------------------------------------------------------------
def _jsonl(path: Path) -> Iterable[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalDataError(f"no file {path}") from None
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                raise EvalDataError(f"{path} line {n} is not JSON") from None


def load_collection(folder: Path) -> Collection:
    """Read a BEIR folder; only queries with at least one judgment are kept."""
    corpus, qrels_file = folder / "corpus.jsonl", folder / "qrels" / "test.tsv"
    for needed in (corpus, folder / "queries.jsonl", qrels_file):
        if not needed.is_file():
            raise EvalDataError(
                f"{folder}/ is not a BEIR folder: {needed.relative_to(folder)} is missing "
                "(expected corpus.jsonl, queries.jsonl and qrels/test.tsv)"
            )
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate(qrels_file.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if len(parts) != 3 or (n == 1 and not parts[2].strip().lstrip("-").isdigit()):
            continue  # the header line, or a blank one
        query, doc, grade = parts
        qrels.setdefault(query, {})[doc] = int(grade)
    queries = {
        str(obj["_id"]): str(obj["text"])
        for obj in _jsonl(folder / "queries.jsonl")
        if str(obj.get("_id")) in qrels
    }
    if not queries:
        raise EvalDataError(f"no judged queries in {folder}/ (queries.jsonl and qrels disagree)")
    return Collection(_collection_name(folder), corpus, queries, qrels)


def _collection_name(folder: Path) -> str:
    folder = folder.resolve()
    return f"{folder.parent.name}/{folder.name}" if folder.name == "beir" else folder.name


def load_questions(path: Path, split: str | None = None) -> list[Question]:
    """The questions of ``path`` (only those of ``split`` when given)."""
    out = []
    for n, obj in enumerate(_jsonl(path), start=1):
        try:
            q = Question(str(obj["question"]), str(obj["article"]), str(obj["answer"]),
                         obj.get("split"), tuple(map(str, obj.get("also", ()))))
        except (KeyError, TypeError, AttributeError):
            raise EvalDataError(
                f"{path} record {n} needs question, article and answer fields"
            ) from None
        if split is None or q.split == split:
            out.append(q)
    if not out:
        raise EvalDataError(f"no questions in {path}" + (f" with split {split!r}" if split else ""))
    return out


# -- an index for a BEIR corpus -----------------------------------------------------------
def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa" / "eval"


def staged_corpus(collection: Collection, root: Path) -> Path:
    """A corpus folder holding only the collection's ``corpus.jsonl`` (queries and qrels
    must not be indexed as articles), refreshed when the original changes."""
    folder = root / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "corpus.jsonl"
    if not target.is_file() or sha256_file(target) != sha256_file(collection.corpus):
        shutil.copyfile(collection.corpus, target)
    return folder


def default_index_root(collection: Collection, model: str) -> Path:
    key = hashlib.sha256(f"{collection.corpus.resolve()}|{model}".encode()).hexdigest()[:12]
    return cache_dir() / f"{collection.name.replace('/', '-')}-{key}"


def collection_index(
    collection: Collection,
    settings: Settings,
    *,
    index_dir: Path | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> Path:
    """The index to evaluate ``collection`` on: ``index_dir`` if it holds an index, else
    one built from the collection's corpus (by default in a cache folder, where later
    runs reuse it and embed nothing)."""
    if index_dir is not None and versions.current_name(index_dir) is not None:
        return index_dir
    root = default_index_root(collection, settings.model)
    target = index_dir or root / "index"
    corpus = staged_corpus(collection, root)
    log.info("indexing %s into %s", collection.corpus, target)
    build_index(corpus, settings=settings.with_(index_dir=target), embedder=embedder,
                progress=progress)
    return target
