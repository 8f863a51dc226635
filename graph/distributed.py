"""Extraction past one machine: documents extracted on a Dask cluster, stored in order by the caller.

Only extraction is spread out; the store has one writer, so extractions come back to this process and
are stored one document at a time, as `graph.ingest.ingest_paths` does. The result is the same graph as a
single-process ingest: each document is extracted by the same function on a worker.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from graph.errors import MkgError
from graph.ingest import (
    Extractor,
    IngestEvent,
    IngestFailure,
    IngestReport,
    discover,
    read_file,
    store_extraction,
)
from graph.records import Document, Extraction
from graph.store.base import Store

# Documents sent to a worker in one task: large enough to hide the scheduler's per-task cost.
BATCH_SIZE = 2
# Tasks in flight per worker: keeps workers busy without holding a whole corpus in memory.
TASKS_PER_WORKER = 2


def connect(address: str) -> Any:
    """A Dask client: `local` starts a LocalCluster (one single-threaded process per core), anything
    else is a scheduler address such as `tcp://scheduler:8786`."""
    from dask.distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True)
        return Client(cluster)
    return Client(address)


def _extract_batch(documents: list[Document], extractor: Extractor | None) -> list[Extraction | str]:
    """Runs on a worker: each document's extraction, or the reason it failed (picklable text)."""
    if extractor is None:
        from graph.extraction import extract

        extractor = extract
    out: list[Extraction | str] = []
    for document in documents:
        try:
            out.append(extractor(document))
        except MkgError as error:
            out.append(f"{error.code}: {error.detail}")
        except Exception as error:  # reported as this document's failure, the batch goes on
            out.append(f"extraction failed ({type(error).__name__}: {error})")
    return out


def _workers(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def extract_on_dask(
    documents: Iterable[Document],
    client: Any,
    *,
    extractor: Extractor | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[tuple[Document, Extraction | str]]:
    """Each document with its extraction (or the reason it failed), in input order.

    `extractor` defaults to `graph.extraction.extract`, imported on the worker, where the spaCy pipeline
    is built once per worker process.
    """
    window = TASKS_PER_WORKER * _workers(client)
    pending: deque[tuple[list[Document], Any]] = deque()
    batch: list[Document] = []

    def submit(chunk: list[Document]) -> None:
        pending.append((chunk, client.submit(_extract_batch, chunk, extractor, pure=False)))

    def drain(until: int) -> Iterator[tuple[Document, Extraction | str]]:
        while len(pending) > until:
            chunk, future = pending.popleft()
            yield from zip(chunk, future.result(), strict=True)

    for document in documents:
        batch.append(document)
        if len(batch) >= batch_size:
            submit(batch)
            batch = []
            yield from drain(window)
    if batch:
        submit(batch)
    yield from drain(0)


def ingest_on_dask(
    paths: Sequence[Path],
    store: Store,
    client: Any,
    *,
    extractor: Extractor | None = None,
    on_progress: Callable[[IngestEvent], None] | None = None,
) -> IngestReport:
    """`ingest_paths` with extraction on a Dask cluster; documents are stored here, in source order."""
    files = discover(paths)
    total = len(files)
    report = IngestReport()
    done = 0

    def record(source: str, failure: IngestFailure | None, extraction: Extraction | None) -> None:
        nonlocal done
        done += 1
        summary = None
        if extraction is not None:
            try:
                summary = store_extraction(extraction, store)
            except MkgError as error:
                failure = IngestFailure(source, error.code, error.detail)
        if summary is not None:
            report.documents.append(summary)
        if failure is not None:
            report.failures.append(failure)
        if on_progress is not None:
            on_progress(IngestEvent(source, done, total, summary, failure))

    def readable() -> Iterator[Document]:
        for path, source in files:
            try:
                yield read_file(path, source)
            except MkgError as error:
                record(source, IngestFailure(source, error.code, error.detail), None)
            except OSError as error:
                record(source, IngestFailure(source, "unreadable_file", f"{source}: {error}"), None)

    for document, outcome in extract_on_dask(readable(), client, extractor=extractor):
        if isinstance(outcome, str):
            record(
                document.source,
                IngestFailure(document.source, MkgError.code, f"{document.source}: {outcome}"),
                None,
            )
        else:
            record(document.source, None, outcome)
    return report
