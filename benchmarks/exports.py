"""Exports at scale: time and peak RSS of each format of `graph.exports`, each in a fresh process.

Beside the formats, two floors: `read_floor` reads every document graph once and discards it, the time
and memory no streamed RDF export can go below (the store's own footprint); `view_floor` projects the
whole store onto the networkx view (`graph.views.project_graph`), which every view format starts from.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import MIB, run_in_child


def export_once(store_dir: str, fmt: str) -> dict[str, Any]:
    """Export the store in one format to a discarded stream (child process).

    `sha256` of the output lets two runs (or two versions of the code) be checked for identical bytes.
    """
    from graph.exports import export
    from graph.store import open_store

    store = open_store(store_dir)
    started, cpu = time.perf_counter(), time.process_time()
    with open(os.devnull, "wb") as sink:
        counter = _CountingSink(sink)
        export(store, fmt, counter)  # type: ignore[arg-type]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    return {
        "format": fmt,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "output_mib": round(counter.written / MIB, 2),
        "sha256": counter.digest.hexdigest(),
    }


def read_floor(store_dir: str) -> dict[str, Any]:
    """Read every document graph as N-Triples and drop it (child process): the floor of an RDF export."""
    from graph.store import open_store

    store = open_store(store_dir)
    started, cpu = time.perf_counter(), time.process_time()
    read = 0
    for graph_iri in store.documents():
        data, _ = store.query_raw(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}",
            "application/n-triples",
        )
        read += len(data)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    return {"seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2), "read_mib": round(read / MIB, 2)}


def view_floor(store_dir: str) -> dict[str, Any]:
    """Project the store onto the networkx view and drop it (child process): the floor of a view export."""
    from graph.store import open_store
    from graph.views import project_graph

    store = open_store(store_dir)
    started, cpu = time.perf_counter(), time.process_time()
    view = project_graph(store)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    return {
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "nodes": view.number_of_nodes(),
        "edges": view.number_of_edges(),
    }


class _CountingSink:
    """A binary stream that counts and hashes what is written to it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.written = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.written += len(data)
        self.digest.update(data)
        return int(self.inner.write(data))


def run(store_dir: Path, *, quick: bool) -> dict[str, Any]:
    """Every export format on the store, each bounded in time, and the two floors."""
    try:
        from graph.exports import EXPORT_FORMATS
    except ImportError as error:
        return {"skipped": f"graph.exports is not available: {error}"}
    timeout = 120 if quick else 240
    results: dict[str, Any] = {"timeout_s": timeout, "formats": {}}
    for floor in ("read_floor", "view_floor"):
        results[floor] = run_in_child(f"benchmarks.exports:{floor}", timeout, store_dir=str(store_dir))
    # Quick mode: one view format and one RDF format of each kind (merged, per document).
    formats = ("graphml", "turtle", "nquads") if quick else tuple(EXPORT_FORMATS)
    for fmt in formats:
        results["formats"][fmt] = run_in_child(
            "benchmarks.exports:export_once", timeout, store_dir=str(store_dir), fmt=fmt
        )
    return results
