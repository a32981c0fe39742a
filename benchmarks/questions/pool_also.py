"""Other articles that state a question's answer: the pool to judge, and the judged ``also``.

A question is written from one article, but BBC news often reports a fact twice (a
follow-up, a Q&A). A lead sentence from such an article, holding the answer, answers the
question for a user; ``qa eval`` counts it when the article is in the question's ``also``.

    python benchmarks/questions/pool_also.py pool   # every candidate, as JSON lines
    python benchmarks/questions/pool_also.py apply  # write ``also`` from also-judged.jsonl

The pool does not look at what the tool answers: it is every other article (BBC news and
``corpus/``) with a sentence that holds the answer string and shares at least two content
words with the question. Each candidate was judged by reading its sentence: it counts
(``"answers": true``) when the sentence itself states the fact asked, about the same event.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from qa.ingest.split import sentence_spans  # noqa: E402

HERE = Path(__file__).parent
NEWS = HERE.parents[2] / "shared" / "data" / "bbc-news" / "news"
FILES = ("answers.jsonl", "reader.jsonl")
JUDGED = HERE / "also-judged.jsonl"
_STOP = set("""the a an of in on to for by with at from and or is was were be been what which
who whom when where why how many much did does do has have had that this as its it his her
their after before into about over said according""".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 2}


def _articles() -> dict[str, str]:
    docs = {str(p.relative_to(NEWS)): p.read_text(errors="replace") for p in NEWS.rglob("*.txt")}
    docs.update({p.name: p.read_text() for p in (HERE.parents[1] / "corpus").glob("*.txt")})
    return docs


def pool() -> None:
    docs = _articles()
    for name in FILES:
        for n, line in enumerate((HERE / name).read_text().splitlines()):
            q = json.loads(line)
            asked = _words(q["question"])
            for other, text in sorted(docs.items()):
                if other == q["article"] or q["answer"] not in text:
                    continue
                for start, end, _ in sentence_spans(text):
                    sentence = " ".join(text[start:end].split())
                    if q["answer"] in sentence and len(asked & _words(sentence)) >= 2:
                        print(json.dumps({"file": name, "line": n + 1, "question": q["question"],
                                          "answer": q["answer"], "other": other,
                                          "sentence": sentence}, ensure_ascii=False))


def apply() -> None:
    answering: dict[tuple[str, int], list[str]] = {}
    for line in JUDGED.read_text().splitlines():
        row = json.loads(line)
        if row["answers"] and row["other"] not in answering.get((row["file"], row["line"]), []):
            answering.setdefault((row["file"], row["line"]), []).append(row["other"])
    for name in FILES:
        rows = [json.loads(line) for line in (HERE / name).read_text().splitlines()]
        for n, row in enumerate(rows, start=1):
            row.pop("also", None)
            if (name, n) in answering:
                row["also"] = answering[(name, n)]
        (HERE / name).write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


if __name__ == "__main__":
    {"pool": pool, "apply": apply}[sys.argv[1] if len(sys.argv) > 1 else "pool"]()
