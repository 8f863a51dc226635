"""`Store.add_documents` keeps the promises of `add_document` on every backend,, small batches and large."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.errors import InvalidParameter, ReadOnlyStore
from graph.store import OxigraphStore, RemoteSparqlStore, Store

EX = "https://example.org/"
NAME = f"<{EX}name>"
KNOWS = f"<{EX}knows>"
ROCKSDB_FILE = re.compile(r"\d+\.(sst|log)|CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|(MANIFEST|OPTIONS)-\d+")


def graph(index: int) -> str:
    return f"{EX}graph/{index}"


def document(index: int, own: int, shared: int = 0) -> str:
    """`own` triples only this document states, then `shared` triples every document states."""
    lines = [f'<{EX}doc{index}/thing{k}> {NAME} "thing {k} of {index}" .' for k in range(own)]
    lines += [f'<{EX}shared{k}> {NAME} "shared {k}" .' for k in range(shared)]
    return "\n".join(lines) + "\n" if lines else ""


def count(store: Store, sparql: str) -> int:
    (row,) = store.select(sparql).rows
    return int(row["n"]["value"])


def default_graph_size(store: Store) -> int:
    return count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def graph_size(store: Store, iri: str) -> int:
    return count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def test_a_batch_stores_each_document_as_its_graph_and_their_merge_as_the_default(store: Store) -> None:
    store.add_documents([(graph(i), document(i, own=3, shared=2)) for i in range(4)])

    assert store.documents() == [graph(i) for i in range(4)]
    assert [graph_size(store, graph(i)) for i in range(4)] == [5, 5, 5, 5]
    assert store.triple_count() == 20
    # Shared triples are in the default graph once: 4 x 3 own + 2 shared.
    assert default_graph_size(store) == 14


def test_a_large_batch_keeps_the_same_invariants(store: Store) -> None:
    # 40 documents x 300 triples: 24,000 quads with the default-graph copies, enough for the bulk path.
    store.add_documents([(graph(i), document(i, own=250, shared=50)) for i in range(40)])

    assert len(store.documents()) == 40
    assert store.triple_count() == 12_000
    assert default_graph_size(store) == 40 * 250 + 50
    assert graph_size(store, graph(7)) == 300

    # Dropping a document removes its own triples from the default graph and keeps the shared ones.
    assert store.drop_document(graph(7)) is True
    assert default_graph_size(store) == 39 * 250 + 50
    assert count(store, f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s {NAME} "shared 3" }}') == 1


def test_a_batch_replaces_stored_documents_and_adds_new_ones(store: Store) -> None:
    store.add_document(graph(0), document(0, own=4, shared=1))
    store.add_document(graph(1), document(1, own=2))

    store.add_documents([(graph(0), document(0, own=1)), (graph(2), document(2, own=3, shared=1))])

    assert store.documents() == [graph(0), graph(1), graph(2)]
    assert [graph_size(store, graph(i)) for i in range(3)] == [1, 2, 4]
    # The first version's extra triples are gone from the default graph; the shared one is still stated.
    assert default_graph_size(store) == 1 + 2 + 4
    names = {row["n"]["value"] for row in store.select(f"SELECT ?n WHERE {{ ?s {NAME} ?n }}").rows}
    assert "thing 3 of 0" not in names and "shared 0" in names


def test_an_empty_text_in_a_batch_removes_that_document(store: Store) -> None:
    store.add_documents([(graph(0), document(0, own=2)), (graph(1), document(1, own=2))])
    store.add_documents([(graph(0), ""), (graph(2), "")])

    assert store.documents() == [graph(1)]
    assert default_graph_size(store) == 2


def test_the_last_text_of_a_repeated_graph_wins(store: Store) -> None:
    store.add_documents([(graph(0), document(0, own=5)), (graph(0), document(0, own=2))])

    assert store.documents() == [graph(0)]
    assert graph_size(store, graph(0)) == 2
    assert default_graph_size(store) == 2


def test_a_bad_document_in_a_batch_is_named_and_nothing_is_written(store: Store) -> None:
    store.add_document(graph(0), document(0, own=1))
    with pytest.raises(InvalidParameter) as raised:
        store.add_documents(
            [(graph(1), document(1, own=2)), (graph(2), "this is not N-Triples\n"), (graph(0), "")]
        )

    assert graph(2) in raised.value.detail
    assert store.documents() == [graph(0)]
    assert default_graph_size(store) == 1


def test_blank_nodes_of_different_documents_stay_different_nodes(store: Store) -> None:
    text = f'_:b0 {NAME} "someone" .\n_:b0 {KNOWS} _:b1 .\n'
    store.add_documents([(graph(0), text), (graph(1), text)])
    store.add_document(graph(2), text)

    people = store.select(f'SELECT DISTINCT ?s WHERE {{ ?s {NAME} "someone" }}').rows
    assert len(people) == 3
    # Within a document, one label is one node: the named graph and its default-graph copy agree.
    linked = f"?s {NAME} ?x ; {KNOWS} ?o"
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph(0)}> {{ {linked} }} }}") == 1
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {linked} }}") == 3


def test_an_empty_batch_changes_nothing(store: Store) -> None:
    store.add_document(graph(0), document(0, own=2))
    store.add_documents([])
    assert store.documents() == [graph(0)]
    assert store.triple_count() == 2


def test_large_batches_on_disk_are_there_after_compacting_and_reopening(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    # Two batches large enough for the bulk path: two sorted runs per index until compacted.
    store.add_documents([(graph(i), document(i, own=250, shared=50)) for i in range(40)])
    store.add_documents([(graph(i), document(i, own=250, shared=50)) for i in range(40, 80)])
    store.optimize()
    assert store.triple_count() == 24_000
    store.close()

    again = OxigraphStore(tmp_path / "store")
    try:
        assert len(again.documents()) == 80
        assert again.triple_count() == 24_000
        assert default_graph_size(again) == 80 * 250 + 50
        # Only RocksDB's own files (and the store's access lock): no index file written for the bulk
        # load was left behind.
        stray = [p.name for p in (tmp_path / "store").iterdir() if not ROCKSDB_FILE.fullmatch(p.name)]
        assert stray == ["mkg-access.lock"]
    finally:
        again.close()


def test_a_read_only_store_refuses_a_batch(tmp_path: Path) -> None:
    writer = OxigraphStore(tmp_path / "store")
    writer.add_document(graph(0), document(0, own=1))
    writer.close()
    reader = OxigraphStore(tmp_path / "store", read_only=True)
    try:
        with pytest.raises(ReadOnlyStore):
            reader.add_documents([(graph(1), document(1, own=1))])
        with pytest.raises(ReadOnlyStore):
            reader.optimize()
        assert reader.documents() == [graph(0)]
    finally:
        reader.close()


def test_a_closed_store_leaves_no_write_ahead_log_behind(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    for i in range(5):
        store.add_document(graph(i), document(i, own=20))
    store.close()

    logs = {p.name: p.stat().st_size for p in (tmp_path / "store").glob("*.log")}
    assert sum(logs.values()) == 0, logs
    again = OxigraphStore(tmp_path / "store")
    try:
        assert again.triple_count() == 100
    finally:
        again.close()


@pytest.mark.slow
def test_a_batch_sent_in_several_requests_keeps_the_invariants(
    oxigraph_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.store import sparql

    monkeypatch.setattr(sparql, "_BATCH_TRIPLES", 1_000)
    store = RemoteSparqlStore(oxigraph_server)
    store.update("DROP SILENT ALL")
    try:
        store.add_document(graph(3), document(3, own=10))
        store.add_documents([(graph(i), document(i, own=250, shared=50)) for i in range(12)])

        assert len(store.documents()) == 12
        assert store.triple_count() == 12 * 300
        assert default_graph_size(store) == 12 * 250 + 50
    finally:
        store.close()


def test_an_update_that_writes_the_default_graph_itself_leaves_it_the_merge(store: Store) -> None:
    store.add_documents([(graph(0), document(0, own=2, shared=1)), (graph(1), document(1, own=1, shared=1))])
    shared = f'<{EX}shared0> {NAME} "shared 0"'

    # Writes to the default graph are replaced: a stray triple goes, a deleted stated one comes back.
    store.update(f'INSERT DATA {{ <{EX}stray> {NAME} "stray" }} ; DELETE DATA {{ {shared} }}')
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}stray> ?p ?o }}") == 0
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {shared} }}") == 1
    assert default_graph_size(store) == 4

    # Changes to a document graph show in the default graph once the update is done.
    store.update(f"DELETE WHERE {{ GRAPH <{graph(0)}> {{ ?s ?p ?o }} }}")
    assert default_graph_size(store) == 2
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {shared} }}") == 1
