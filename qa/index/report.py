"""What a build did: the report `qa index`, the chat and the watcher show."""

from __future__ import annotations

from dataclasses import dataclass

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
