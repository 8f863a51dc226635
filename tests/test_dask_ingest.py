"""Extraction on a Dask cluster gives the graph a single-process ingest gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dask.distributed")

from graph.distributed import extract_on_dask, ingest_on_dask  # noqa: E402
from graph.documents import read_document  # noqa: E402
from graph.ingest import ingest_paths  # noqa: E402
from graph.records import Document, Extraction  # noqa: E402
from graph.store import Store, open_memory_store  # noqa: E402
from tests.conftest import hand_made_extraction  # noqa: E402

POST = """---
title: "Meet the Maintainer {n}"
date: 2024-05-0{n}
---
Laurent Bernaille works at Datadog.

Laurent Bernaille contributed to Cilium in post {n}.
"""


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    # Threads in this process: no worker start-up cost, and the extractor need not be importable.
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _corpus(directory: Path, posts: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(1, posts + 1):
        (directory / f"post-{n}.md").write_text(POST.format(n=n), encoding="utf-8")
    (directory / "broken.md").write_bytes(b"\x00\x01\x02binary")


def _graphs(store: Store) -> dict[str, bytes]:
    return {iri: store.get_graph(iri, "application/n-triples") for iri in store.documents()}


def test_ingest_on_dask_stores_the_same_graphs_as_a_single_process_ingest(
    tmp_path: Path, dask_client: Any
) -> None:
    _corpus(tmp_path / "corpus", posts=5)
    single, spread = open_memory_store(), open_memory_store()
    expected = ingest_paths([tmp_path / "corpus"], single, extractor=hand_made_extraction)
    report = ingest_on_dask([tmp_path / "corpus"], spread, dask_client, extractor=hand_made_extraction)

    assert [d.document_id for d in report.documents] == [d.document_id for d in expected.documents]
    assert len(report.documents) == 5
    assert [(f.source, f.code) for f in report.failures] == [(f.source, f.code) for f in expected.failures]
    assert report.facts == expected.facts > 0
    assert _graphs(spread) == _graphs(single)


def _documents(count: int) -> list[Document]:
    return [read_document(POST.format(n=n % 9 + 1), f"post-{n}.md") for n in range(count)]


def test_extract_on_dask_keeps_input_order_across_batches(dask_client: Any) -> None:
    documents = _documents(7)
    outcomes = list(extract_on_dask(documents, dask_client, extractor=hand_made_extraction, batch_size=2))
    assert [document.id for document, _ in outcomes] == [document.id for document in documents]
    assert all(isinstance(e, Extraction) and e.document.id == d.id for d, e in outcomes)


def test_extract_on_dask_reports_a_failing_document_and_extracts_the_rest(dask_client: Any) -> None:
    documents = _documents(4)

    def fails_on_third(document: Document) -> Extraction:
        if document.source == "post-2.md":
            raise ValueError("cannot read this one")
        return hand_made_extraction(document)

    outcomes = list(extract_on_dask(documents, dask_client, extractor=fails_on_third, batch_size=3))
    failed = [(d.source, o) for d, o in outcomes if isinstance(o, str)]
    assert failed == [("post-2.md", "extraction failed (ValueError: cannot read this one)")]
    assert sum(isinstance(o, Extraction) for _, o in outcomes) == 3


@pytest.mark.slow
def test_spacy_extraction_on_dask_equals_extract_all(dask_client: Any, shared_dir: Path) -> None:
    from graph.extraction import extract_all
    from graph.rdf import extraction_to_graph, to_ntriples

    paths = sorted((shared_dir / "corpus" / "cilium-blog").glob("*meet-*.md"))[:2]
    if not paths:
        pytest.skip("no interview posts in the corpus")
    documents = [read_document(p.read_bytes(), p.name) for p in paths]
    single = [to_ntriples(extraction_to_graph(e)) for e in extract_all(documents)]
    outcomes = list(extract_on_dask(documents, dask_client))
    spread = [to_ntriples(extraction_to_graph(o)) for _, o in outcomes if isinstance(o, Extraction)]
    assert spread == single
    assert any("FactEvidence" in nt for nt in single)
