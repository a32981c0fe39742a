"""What a build did: the report `qa index`, the chat and the watcher show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from qa.ingest.corpus import Skipped
from qa.ingest.near_duplicates import NearDuplicate


@dataclass(frozen=True)
class BuildReport:
    """What a build did. Article ids in each tuple; ``skipped`` carries the reasons."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    removed: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    embedded: int = 0
    articles: int = 0
    passages: int = 0
    seconds: float = 0.0
    version: str = ""
    index_type: str = "flat"
    note: str | None = None  # why a full rebuild happened, if it did
    # Indexed articles that repeat another with small edits (kept: search folds them).
    near_duplicates: tuple[NearDuplicate, ...] = ()

    def summary(self) -> str:
        line = (
            f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped; "
            f"embedded {self.embedded} passages in {self.seconds:.1f}s; "
            f"index: {self.articles} articles, {self.passages} passages ({self.index_type})"
        )
        return f"{line}\n({self.note})" if self.note else line

    def split(self, files: Iterable[str]) -> tuple[BuildReport, BuildReport]:
        """``(of files, the rest)``: this report divided between the articles of ``files``
        (corpus-relative paths; the records of a JSON file are its own) and all others,
        so that whoever added ``files`` hears what happened to them and only a count of the
        rest. Both keep the build's figures; ``unchanged`` counts the files of ``files``
        whose articles are in no list (the same text was indexed already)."""
        files = tuple(files)
        under = tuple(f"{f}#" for f in files)

        def mine(article_id: str) -> bool:
            return article_id in files or article_id.startswith(under)

        def part(ids: tuple[str, ...], keep: bool) -> tuple[str, ...]:
            return tuple(i for i in ids if mine(i) == keep)

        lists = {name: getattr(self, name) for name in ("added", "updated", "removed")}
        named = [*self.added, *self.updated, *self.removed, *(s.id for s in self.skipped)]
        quiet = sum(not any(i == f or i.startswith(f"{f}#") for i in named) for f in files)
        of_files = replace(self, **{k: part(v, True) for k, v in lists.items()},
                           skipped=tuple(s for s in self.skipped if mine(s.id)),
                           unchanged=quiet, near_duplicates=())
        rest = replace(self, **{k: part(v, False) for k, v in lists.items()},
                       skipped=tuple(s for s in self.skipped if not mine(s.id)))
        return of_files, rest

    def to_dict(self) -> dict:
        return {
            "added": list(self.added),
            "updated": list(self.updated),
            "unchanged": self.unchanged,
            "removed": list(self.removed),
            "skipped": [{"id": s.id, "reason": s.reason} for s in self.skipped],
            "embedded": self.embedded,
            "articles": self.articles,
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "index_type": self.index_type,
            "note": self.note,
            "near_duplicates": [
                {"id": d.id, "of": d.of, "similarity": d.similarity} for d in self.near_duplicates
            ],
        }
