"""Cost of adding and removing one article at archive size: prints a table.

    .venv/bin/python benchmarks/keyword_update.py --passages 100000 [--work DIR] [--code ROOT]

Builds a synthetic index of n passages with the product's IndexWriter (as
benchmarks/scale.py does: real BBC sentences, synthetic vectors, no model), then, each in
a fresh process so that its peak memory is its own: loads it as a reader does (the
"serving" memory, without the model), adds one article of 3 passages, and removes it
again. Reports wall time, the part of it spent on the keyword index, and peak memory.
``--code ROOT`` runs another checkout's ``qa`` (e.g. the previous commit, unpacked with
``git archive``) with the same driver, for an old-vs-new table. Needs the BBC index
(``--seed``, default /tmp/qa-reader-bbc/index) to draw sentences and vectors from.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTRA = "synthetic/extra-lighthouse.txt"
TEXTS = ["The last keeper of the Fair Isle lighthouse retired on Monday after 41 years.",
         "Islanders gathered at the harbour to thank him for decades of service.",
         "The light has been automatic since 1998, but he stayed on to look after it."]

QUERIES = ["minister said the economy", "film award ceremony", "mobile phone sales",
           "election campaign promises", "club manager transfer", "oil prices rise",
           "the government said on monday", "new york stock market shares fell"]


def _phase(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(args.code))
    sys.path.insert(1, str(HERE))
    import numpy as np
    from common import peak_rss_bytes, rss_bytes

    from qa import Article, Passage, Settings
    from qa.index import versions, writer
    from qa.index.writer import IndexWriter

    index = args.work / "index"
    spent = {"keyword": 0.0, "vectors": 0.0}

    def timed(fn, part):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[part] += time.perf_counter() - t
        return wrapper

    if hasattr(writer, "_write_bm25"):  # the previous design: one bm25s index, rebuilt
        writer._write_bm25 = timed(writer._write_bm25, "keyword")
    else:
        writer.bm25.update = timed(writer.bm25.update, "keyword")
    if hasattr(writer, "vectorstore"):  # vectors as a base plus changes (format 4)
        writer.vector_store.update = timed(writer.vector_store.update, "vectors")
    out: dict = {"phase": args.phase}
    started = time.perf_counter()
    if args.phase == "build":
        from scale import build

        seed = args.seed / "versions" / versions.read_pointer(args.seed)[0]  # any format
        out.update(build(seed, index, args.passages))
    elif args.phase == "serve":
        from qa.search.snapshot import Snapshot

        snap = Snapshot.read(versions.open_current(index))
        out["passages"] = len(snap.ids)
        out["rss_bytes"] = rss_bytes()
        for q in QUERIES:  # a memory-mapped index is read in as queries touch it
            snap.lexical.search(q, 100)
        out["rss_queried_bytes"] = rss_bytes()
        times = []
        for q in QUERIES * 3:
            t = time.perf_counter()
            snap.lexical.search(q, 100)
            times.append(time.perf_counter() - t)
        out["bm25_p50_ms"] = float(np.median(times) * 1000)
    else:
        identity = versions.open_current(index, check_files=False).manifest["identity"]
        settings = Settings(index_dir=index)
        with IndexWriter(index, identity=identity) as w:
            if args.phase == "add":
                article = Article(id=EXTRA, title="Lighthouse keeper retires",
                                  text="\n".join(TEXTS), date="2026-01-30", source="synthetic")
                w.table.put_article(article)
                ids, offset = [], 0
                for seq, text in enumerate(TEXTS):
                    ids.append(w.table.add_passage(Passage(article.id, seq, offset,
                                                           offset + len(text), text)))
                    offset += len(text) + 1
                v = np.random.default_rng(0).standard_normal((len(ids), int(identity["dim"])))
                w.add_vectors(ids, (v / np.linalg.norm(v, axis=1, keepdims=True)).astype("f4"))
            else:
                w.delete_article(EXTRA)
            w.commit(ann_min_passages=settings.ann_min_passages, keep_versions=1, extra={})
    out["wall_s"] = time.perf_counter() - started
    out["keyword_s"], out["vectors_s"] = spent["keyword"], spent["vectors"]
    out["peak_rss_bytes"] = peak_rss_bytes()
    out["bm25_bytes"] = sum(p.stat().st_size for p in
                            versions.open_current(index, check_files=False).path.joinpath(
                                "bm25").rglob("*") if p.is_file())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--code", type=Path, default=HERE.parent)
    parser.add_argument("--seed", type=Path, default=Path("/tmp/qa-reader-bbc/index"))
    parser.add_argument("--phase", choices=["build", "serve", "add", "remove"])
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    if args.phase:
        print("RESULT " + json.dumps(_phase(args)), flush=True)
        return
    results = {}
    phases = ["serve", "add", "remove"] if args.skip_build else ["build", "serve", "add",
                                                                  "remove"]
    for phase in phases:
        cmd = [sys.executable, __file__, "--phase", phase, "--passages", str(args.passages),
               "--work", str(args.work), "--code", str(args.code), "--seed", str(args.seed)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"{phase} failed:\n{run.stderr[-3000:]}")
        out = run.stdout
        results[phase] = json.loads(out.split("RESULT ", 1)[1])
    gb = 1024 ** 3
    serve = results["serve"]["rss_bytes"]
    print(f"\nIndex updates at {results['serve']['passages']:,} passages "
          f"(code: {args.code})\n")
    print("| step | wall s | keyword index s | vectors s | peak RSS GB | peak above serving GB |")
    print("|---|---|---|---|---|---|")
    for phase in phases:
        r = results[phase]
        if phase == "serve":
            print(f"| serving (index loaded, no model) | | | | {serve / gb:.2f} | |")
            print(f"| serving, after {len(QUERIES)} BM25 queries (then p50 "
                  f"{r['bm25_p50_ms']:.1f} ms a query) | | | | "
                  f"{r['rss_queried_bytes'] / gb:.2f} | |")
            continue
        vec = f"{r['vectors_s']:.2f}" if r.get("vectors_s") else "-"
        print(f"| {phase} | {r['wall_s']:.2f} | {r['keyword_s']:.2f} | {vec} | "
              f"{r['peak_rss_bytes'] / gb:.2f} | {(r['peak_rss_bytes'] - serve) / gb:+.2f} |")
    print(f"\nkeyword index on disk: {results['remove']['bm25_bytes'] / 1e6:.0f} MB")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
