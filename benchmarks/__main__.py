"""`python -m benchmarks [--quick] [--only PART ...]`: run the benchmarks and write JSON results."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import machine_info

PARTS = ("extraction", "store", "dask")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Where a full run of every part writes its figures (between the figures markers).
PERFORMANCE_DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def run_benchmarks(
    *,
    quick: bool = True,
    parts: Sequence[str] = PARTS,
    results_dir: Path = RESULTS_DIR,
    corpus_dir: Path | None = None,
    load_seconds: float | None = None,
) -> dict[str, Any]:
    """Run the chosen parts; write `<results_dir>/<quick|full>.json` and return the results."""
    corpus = corpus_dir if corpus_dir is not None else (SHARED_CORPUS if SHARED_CORPUS.is_dir() else None)
    mode = "quick" if quick else "full"
    results: dict[str, Any] = {"mode": mode, "machine": machine_info()}
    started = time.perf_counter()
    results_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mkg-bench-"))
    try:
        if "extraction" in parts:
            from benchmarks import extraction

            _log("extraction")
            results["extraction"] = extraction.run(quick, results_dir, corpus)
        if "store" in parts:
            from benchmarks import store

            _log("store, API load and exports")
            seconds = load_seconds if load_seconds is not None else (10.0 if quick else 30.0)
            results["store"] = store.run(quick, work, load_seconds=seconds)
        if "dask" in parts:
            from benchmarks import distributed

            _log("dask")
            results["dask"] = distributed.run(quick, corpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_end"] = machine_info()["load_average"]
    results["total_s"] = round(time.perf_counter() - started, 1)
    out = results_dir / f"{mode}.json"
    out.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    _log(f"results written to {out}")
    return results


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small inputs, a few minutes in all")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="directory for the JSON results")
    parser.add_argument(
        "--corpus", type=Path, default=None, help="Markdown corpus for the extraction figures"
    )
    parser.add_argument("--load-seconds", type=float, default=None, help="duration of the API load test")
    parser.add_argument(
        "--doc",
        type=Path,
        default=None,
        help="Markdown file whose figures section gets the results (default: docs/performance.md after "
        "a full run of every part; nothing after a quick or partial run)",
    )
    args = parser.parse_args(argv)
    parts = tuple(args.only or PARTS)
    results = run_benchmarks(
        quick=args.quick,
        parts=parts,
        results_dir=args.results,
        corpus_dir=args.corpus,
        load_seconds=args.load_seconds,
    )
    doc = args.doc
    if doc is None and not args.quick and set(parts) == set(PARTS) and PERFORMANCE_DOC.is_file():
        doc = PERFORMANCE_DOC
    if doc is not None:
        from benchmarks.report import render, write_into

        write_into(doc, render(results))
        _log(f"figures written to {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
