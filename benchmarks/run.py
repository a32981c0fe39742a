"""Speed and scale benchmark: prints a table and writes JSON to benchmarks/results/.

    .venv/bin/python benchmarks/run.py            # full run (BBC + 10k, 100k, 1M)
    .venv/bin/python benchmarks/run.py --quick    # small sizes: checks the script works

Each phase runs in its own process so its peak RSS is its own. Figures on a shared
machine move with the load; the load average at start and end is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import BBC, DEV_QUESTIONS, loadavg, require  # noqa: E402

GB = 1024**3


def _worker(phase: str, **spec: object) -> dict:
    """Run one phase in a fresh interpreter; it prints its result as the last line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", phase,
           "--spec", json.dumps(spec, default=str)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - t
    return result


def _run_worker(phase: str, spec: dict) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
    if phase == "bbc":
        import bbc

        result = bbc.run(Path(spec["work"]), articles=spec["articles"])
    elif phase == "scale-build":
        import scale

        result = scale.build(Path(spec["seed"]), Path(spec["index"]), int(spec["n"]))
    elif phase == "scale-query":
        import scale

        result = scale.query(Path(spec["index"]), Path(spec["seed"]), int(spec["queries"]))
    else:
        raise SystemExit(f"unknown phase {phase}")
    print(json.dumps(result, default=float))


def _machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    mem = next(int(line.split()[1]) * 1024 for line in
               Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    import faiss
    import torch

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": mem,
            "python": platform.python_version(), "torch": torch.__version__,
            "faiss": faiss.__version__, "torch_threads": torch.get_num_threads()}


def _fmt_size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n))


def table(report: dict) -> str:
    lines = []
    b = report.get("bbc")
    if b:
        lines += [
            f"## Build (BBC: {b['articles']:,} articles, {b['passages']:,} passages, "
            f"real model, {b['precision']})",
            "",
            "| measure | value |",
            "|---|---|",
            f"| build throughput, product (`build_index`, {b['precision']}) "
            f"| {b['build_passages_per_s']:.1f} passages/s ({b['build_s']:.0f} s) |",
            f"| plain sentence-transformers `encode` fp32, same passages "
            f"| {b['fp32_passages_per_s']:.1f} passages/s ({b['fp32_encode_s']:.0f} s) |",
            f"| speed-up (target >= 1.6x) | {b['speedup']:.2f}x |",
            f"| embedding only, ours and fp32 taking turns on {b['interleaved']['passages']} "
            f"passages (same load) | {b['interleaved']['ours_per_s']:.1f} vs "
            f"{b['interleaved']['fp32_per_s']:.1f} passages/s = "
            f"{b['interleaved']['speedup']:.2f}x |",
            f"| cosine to fp32, min / mean (target >= 0.999) "
            f"| {b['cosine_min']:.5f} / {b['cosine_mean']:.6f} |",
            f"| dev-questions Hit@5, hybrid: ours / fp32 index ({b['dev_questions']} questions) "
            f"| {b['hit_at_5']['ours_hybrid']:.3f} / {b['hit_at_5']['fp32_hybrid']:.3f} |",
            f"| dev-questions Hit@5, dense: ours / fp32 index "
            f"| {b['hit_at_5']['ours_dense']:.3f} / {b['hit_at_5']['fp32_dense']:.3f} |",
            f"| incremental rebuild, +1 article (target < 5% of full) "
            f"| {b['incremental_s']:.2f} s = {b['incremental_pct_of_full']:.1f}% "
            f"({b['incremental_embedded']} passages embedded) |",
            f"| peak RSS of the build (model included) "
            f"| {b['build_peak_rss_bytes'] / GB:.2f} GB |",
            "",
        ]
    rows = report.get("scale", [])
    if rows:
        lines += [
            "## Queries (`Retriever.search`, k=5, cold: query encode included)",
            "",
            "| passages | data | index | dense p50 / p95 ms | bm25 p50 / p95 ms "
            "| hybrid p50 / p95 ms "
            "| of which: encode / vector search / BM25 p50 ms | Recall@10 vs exact "
            "| vectors file | RSS loaded | build peak RSS |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            q = r["query"]
            kind = q["index_type"] + (f" nlist={q['nlist']} nprobe={q['nprobe']}"
                                      if "nlist" in q else "")
            peak = r.get("build", {}).get("build_peak_rss_bytes")
            peak_s = f"{peak / GB:.2f} GB" if peak else "-"
            parts = " / ".join(f"{q[p]['p50_ms']:.1f}" if p in q else "-"
                               for p in ("encode", "vector_search", "bm25_search"))
            def cell(mode: str, q: dict = q) -> str:  # results saved before a mode was timed: "-"
                return (f"{q[mode]['p50_ms']:.1f} / {q[mode]['p95_ms']:.1f}"
                        if mode in q else "-")

            lines.append(
                f"| {q['passages']:,} | {r['data']} | {kind} "
                f"| {cell('dense')} | {cell('bm25')} | {cell('hybrid')} "
                f"| {parts} | {q['recall_at_10']:.3f} "
                f"| {q['vectors_file_bytes'] / GB:.2f} GB | {q['rss_loaded_bytes'] / GB:.2f} GB "
                f"| {peak_s} |"
            )
            if "hybrid_cached" in q:  # results saved before cold timing have none
                lines.append(
                    f"| | same questions again, query vector cached | "
                    f"| {cell('dense_cached')} | {cell('bm25_cached')} | {cell('hybrid_cached')} "
                    f"| encode cached | | | | |"
                )
        lines += [
            "",
            "Synthetic rows: vectors are real BBC passage embeddings plus noise shaped like "
            "their covariance (two copies of one passage as close as real nearest neighbours); "
            "texts are 4-6 real BBC sentences. Queries: the BBC dev questions and headlines, "
            "encoded by the real model. Every mode is timed cold (the query-vector cache "
            "emptied first); the second line of each size times the cache-hit path.",
            "",
        ]
    la = report["loadavg"]
    lines.append(f"Load average (1/5/15 min) at start {la['start']}, at end {la['end']}; "
                 f"{report['machine']['cores']} cores ({report['machine']['cpu']}), "
                 f"{report['machine']['memory_bytes'] / GB:.0f} GB.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="about 60 BBC articles and 2k/10k synthetic passages")
    parser.add_argument("--sizes", help="comma-separated passage counts (default 10k,100k,1M)")
    parser.add_argument("--queries", type=int, help="queries per size (default 100)")
    parser.add_argument("--skip-bbc", metavar="INDEX_VERSION",
                        help="reuse a built BBC index version folder instead of phase 1")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--table", type=Path, metavar="JSON",
                        help="print the table of a saved result and exit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _run_worker(args.worker, json.loads(args.spec))
        return
    if args.table:
        print(table(json.loads(args.table.read_text())))
        return
    require(BBC, DEV_QUESTIONS)

    sizes = ([int(float(s)) for s in args.sizes.replace("M", "e6").replace("k", "e3").split(",")]
             if args.sizes else ([2_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]))
    count = args.queries or (30 if args.quick else 100)
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-bench-"))
    report: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "quick": args.quick, "machine": _machine(),
                    "loadavg": {"start": loadavg()}, "scale": []}
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"bench-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"

    def save() -> None:  # after every phase, so an interrupted run keeps what it measured
        report["loadavg"]["end"] = loadavg()
        report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        out.write_text(json.dumps(report, indent=2, default=float))

    print(f"benchmark scratch folder: {work} (load average {report['loadavg']['start']})",
          flush=True)
    print(f"results: {out}", flush=True)
    try:
        if args.skip_bbc:
            seed = Path(args.skip_bbc)
        else:
            print("phase 1: BBC build, fp32 comparison, incremental rebuild ...", flush=True)
            report["bbc"] = _worker("bbc", work=work / "bbc", articles=60 if args.quick else None)
            seed = Path(report["bbc"]["index_version"])
            save()
        print("phase 2: query latency on the real BBC index ...", flush=True)
        real = _worker("scale-query", index=seed.parent.parent, seed=seed, queries=count)
        report["scale"].append({"data": "real BBC", "query": real})
        save()
        for n in sizes:
            print(f"phase 3: synthetic {n:,} passages: build, then queries ...", flush=True)
            index = work / f"synthetic-{n}"
            built = _worker("scale-build", seed=seed, index=index, n=n)
            queried = _worker("scale-query", index=index, seed=seed, queries=count)
            report["scale"].append({"data": "synthetic", "build": built, "query": queried})
            shutil.rmtree(index, ignore_errors=True)  # 1M passages is a few GB on disk
            save()
    finally:
        save()
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(report))
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
