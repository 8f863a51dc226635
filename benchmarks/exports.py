"""Exports at scale: time and peak RSS of each format of `graph.exports`, each in a fresh process."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import MIB, run_in_child


def export_once(store_dir: str, fmt: str) -> dict[str, Any]:
    """Export the store in one format to a discarded stream (child process)."""
    from graph.exports import export
    from graph.store import open_store

    store = open_store(store_dir)
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        counter = _CountingSink(sink)
        export(store, fmt, counter)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    store.close()
    return {"format": fmt, "seconds": round(elapsed, 2), "output_mib": round(counter.written / MIB, 2)}


class _CountingSink:
    """A binary stream that counts what is written to it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.written = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        return int(self.inner.write(data))


def run(store_dir: Path, *, quick: bool) -> dict[str, Any]:
    """Every export format on the store, each bounded in time."""
    try:
        from graph.exports import EXPORT_FORMATS
    except ImportError as error:
        return {"skipped": f"graph.exports is not available: {error}"}
    timeout = 120 if quick else 240
    results: dict[str, Any] = {"timeout_s": timeout, "formats": {}}
    # Quick mode: one view format and one RDF format of each kind (merged, per document).
    formats = ("graphml", "turtle", "nquads") if quick else tuple(EXPORT_FORMATS)
    for fmt in formats:
        results["formats"][fmt] = run_in_child(
            "benchmarks.exports:export_once", timeout, store_dir=str(store_dir), fmt=fmt
        )
    return results
