"""Benchmark of extraction on Dask: a LocalCluster against one process on the same texts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from graph.distributed import extract_on_dask


def compare_with_single_process(corpus_dir: str | None, max_words: int, workers: int) -> dict[str, Any]:
    """Extraction of the same texts on a LocalCluster and in this process: time, and identical output
    (child process)."""
    from dask.distributed import Client, LocalCluster

    from benchmarks.extraction import read_corpus
    from graph.extraction import extract_all
    from graph.extraction.pipeline import build_nlp
    from graph.rdf import extraction_to_graph, to_ntriples

    documents = read_corpus(Path(corpus_dir) if corpus_dir else None, max_words)
    words = sum(len(d.text.split()) for d in documents)
    build_nlp()
    started = time.perf_counter()
    single = [to_ntriples(extraction_to_graph(e)) for e in extract_all(documents)]
    single_s = time.perf_counter() - started

    started = time.perf_counter()
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        startup_s = time.perf_counter() - started
        client.run(build_nlp)  # every worker builds its pipeline before the clock starts
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        outcomes = list(extract_on_dask(documents, client))
        dask_s = time.perf_counter() - started
    on_dask = [to_ntriples(extraction_to_graph(o)) if not isinstance(o, str) else o for _, o in outcomes]
    return {
        "documents": len(documents),
        "words": words,
        "workers": workers,
        "single_process_s": round(single_s, 2),
        "cluster_start_s": round(startup_s, 2),
        "cluster_start_and_model_load_s": round(warm_s, 2),
        "dask_s": round(dask_s, 2),
        "speedup": round(single_s / dask_s, 2),
        "identical_graphs": on_dask == single,
    }


def run(quick: bool, corpus_dir: Path | None) -> dict[str, Any]:
    """Dask figures: a two-worker LocalCluster against one process on the same texts."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return {"skipped": "dask[distributed] is not installed (pip install 'maintainer-kg[scale]')"}
    from benchmarks.measure import run_in_child

    corpus = str(corpus_dir) if corpus_dir and corpus_dir.is_dir() else None
    return run_in_child(
        "benchmarks.distributed:compare_with_single_process",
        1800,
        corpus_dir=corpus,
        max_words=3_000 if quick else 40_000,
        workers=2,
    )
