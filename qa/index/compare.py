"""Comparing the corpus with the index, one scanned item at a time: which articles are
new or changed (to be split and embedded), unchanged, duplicates of an earlier one, or
skipped; what is left over at the end was removed.

Files whose stamp matches the one the index recorded are not read again
(:class:`~qa.ingest.corpus.Unchanged`): their indexed articles count as present, as
they were. A file's stamp is kept for the next build only when every article of it is
indexed, so a skipped record is reported again by every build.

Of two articles with the same text the first seen is the original and the other a
duplicate, except that the copy the index already holds stays the original: a new copy
of an indexed text is held back until the scan is over (:meth:`Comparison.held`), so a
later copy whose path sorts earlier cannot take the original's place, title, source and
URL (it does only once the original is gone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from qa.ingest.corpus import Article, Read, Skipped, Unchanged
from qa.ingest.near_duplicates import NearDuplicate


@dataclass
class Tally:
    """What a build found, as it goes (the lists of its :class:`~qa.index.report.BuildReport`)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    near: list[NearDuplicate] = field(default_factory=list)


def articles_of_files(stored: dict[str, str], stamps: dict[str, str]) -> dict[str, list[str]]:
    """``{file: its indexed article ids}`` for the stamped files: the file's own id, or
    ``file#record`` for the records of a JSON/JSONL file."""
    found: dict[str, list[str]] = {}
    for article_id in stored:
        cut = article_id.find("#")
        while cut != -1:  # a file name may hold "#" too: try every cut
            if article_id[:cut] in stamps:
                found.setdefault(article_id[:cut], []).append(article_id)
            cut = article_id.find("#", cut + 1)
        if article_id in stamps:
            found.setdefault(article_id, []).append(article_id)
    return found


class Comparison:
    """Feed it the items of :func:`~qa.ingest.corpus.scan`; it answers which articles
    need storing and keeps the tally, the ids present and the file stamps to record.

    ``stored``: ``{article id: content hash}`` of the index; ``stamps``: its
    ``{file: stamp}``; ``bodies``: ``{article id: body hash}`` (for the articles of files
    not read again); ``owners()``: ``{body hash: article id}`` of the index, asked for only
    when a new or changed article comes (None: no copy is held back).
    """

    def __init__(self, stored: dict[str, str], stamps: dict[str, str],
                 bodies: dict[str, str],
                 owners: Callable[[], dict[str, str]] | None = None) -> None:
        self.stored, self.stamps, self.bodies = stored, stamps, bodies
        self._owners = owners
        self._held: list[Article] = []  # new copies of indexed texts, for after the scan
        self.tally = Tally()
        self.present: set[str] = set()
        self.kept_stamps: dict[str, str] = {}  # files whose every article is indexed
        self._of_file = articles_of_files(stored, stamps)
        self._first_seen: dict[str, str] = {}  # body hash -> article id
        self._clean = True  # nothing of the file being read was skipped

    def see(self, item: Article | Skipped | Unchanged | Read) -> Article | None:
        """Record one scanned item; the article when it is new or changed."""
        if isinstance(item, Unchanged):
            self._unchanged_file(item)
        elif isinstance(item, Read):
            if self._clean and item.stamp:
                self.kept_stamps[item.rel] = item.stamp
            self._clean = True
        elif isinstance(item, Skipped):
            self._skipped(item)
        else:
            return self._article(item)
        return None

    def held(self) -> Iterator[Article]:
        """After the scan (lazily: iterate it once :meth:`see` has seen every item): the
        new copies held back, each now either a duplicate of the indexed original still
        present or, when that is gone, an article to store."""
        while self._held:
            article = self._take(self._held.pop(0))
            if article is not None:
                yield article

    @property
    def removed(self) -> list[str]:
        """The indexed articles not seen (call after the whole scan)."""
        return sorted(set(self.stored) - self.present)

    def _unchanged_file(self, item: Unchanged) -> None:
        """A file not read: its indexed articles, as they were."""
        ids = self._of_file.get(item.rel, [])
        for article_id in ids:
            original = self._first_seen.setdefault(self.bodies[article_id], article_id)
            if original != article_id:  # an earlier file now holds the same text
                self.tally.skipped.append(Skipped(article_id, f"duplicate of {original}"))
            else:
                self.present.add(article_id)
                self.tally.unchanged += 1
        if all(i in self.present for i in ids):
            self.kept_stamps[item.rel] = self.stamps[item.rel]

    def _skipped(self, item: Skipped) -> None:
        self._clean = False
        self.tally.skipped.append(item)
        if item.keep:  # unreadable for now: what the index holds of it stays
            under = (f"{item.id}#", f"{item.id}/")
            self.present.update(i for i in self.stored if i == item.id or i.startswith(under))

    def _article(self, item: Article) -> Article | None:
        if (self._owners is not None and item.body_hash not in self._first_seen
                and self.stored.get(item.id) != item.content_hash
                and self._owners().get(item.body_hash, item.id) != item.id):
            # A new copy of a text the index holds under another id waits until the scan
            # is over: the indexed copy (which may come later in path order) stays the
            # original.
            self._clean = False
            self._held.append(item)
            return None
        return self._take(item)

    def _take(self, item: Article) -> Article | None:
        """Count ``item`` in (returned when new or changed), or as a duplicate of the first
        article seen with its text."""
        original = self._first_seen.setdefault(item.body_hash, item.id)
        if original != item.id:
            self._clean = False
            self.tally.skipped.append(Skipped(item.id, f"duplicate of {original}"))
            return None
        self.present.add(item.id)
        known = self.stored.get(item.id)
        if known == item.content_hash:
            self.tally.unchanged += 1
            return None
        (self.tally.updated if known else self.tally.added).append(item.id)
        return item
