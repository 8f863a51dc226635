"""Every store backend keeps the same promises (graph/store/base.py)."""

from __future__ import annotations

import csv
import gc
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph
import pytest
import rdflib

from graph.errors import InvalidParameter, InvalidQuery, NotAcceptable, StoreUnavailable
from graph.rdf import extraction_to_graph, to_ntriples
from graph.records import (
    Document,
    Entity,
    EntityType,
    Evidence,
    Extraction,
    Fact,
    Predicate,
)
from graph.store import OxigraphStore, RemoteSparqlStore, Store, open_memory_store, open_store
from graph.vocab import document_iri

REPO = Path(__file__).resolve().parents[2]

G1 = "https://example.org/graph/one"
G2 = "https://example.org/graph/two"
ALICE = "<https://example.org/alice>"
BOB = "<https://example.org/bob>"
NAME = "<https://example.org/name>"
KNOWS = "<https://example.org/knows>"

DOC_ONE = f'{ALICE} {NAME} "Alice" .\n{ALICE} {KNOWS} {BOB} .\n'
AGE = "<https://example.org/age>"
INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"
DOC_TWO = f'{BOB} {NAME} "Bob"@en .\n{BOB} {AGE} "42"^^{INTEGER} .\n'


def _values(store: Store, sparql: str, variable: str) -> list[str]:
    return sorted(row[variable]["value"] for row in store.select(sparql).rows if variable in row)


def test_adding_the_same_document_twice_leaves_the_count_unchanged(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    once = store.triple_count()
    store.add_document(G1, DOC_ONE)
    assert once == 2
    assert store.triple_count() == once
    assert store.documents() == [G1]


def test_replacing_a_document_swaps_only_its_triples(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    store.add_document(G2, DOC_TWO)
    store.add_document(G1, f'{ALICE} {NAME} "Alice Liddell" .\n')

    assert _values(store, f"SELECT ?n WHERE {{ GRAPH <{G1}> {{ ?s {NAME} ?n }} }}", "n") == ["Alice Liddell"]
    assert _values(store, f"SELECT ?o WHERE {{ GRAPH <{G1}> {{ {ALICE} {KNOWS} ?o }} }}", "o") == []
    assert _values(store, f"SELECT ?n WHERE {{ GRAPH <{G2}> {{ ?s {NAME} ?n }} }}", "n") == ["Bob"]
    assert store.triple_count() == 3


def test_adding_an_empty_document_removes_its_graph(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    store.add_document(G1, "")
    assert not store.has_document(G1)
    assert store.triple_count() == 0


def test_drop_removes_one_document_and_reports_whether_it_was_there(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    store.add_document(G2, DOC_TWO)

    assert store.drop_document(G1) is True
    assert store.drop_document(G1) is False
    assert not store.has_document(G1)
    assert store.has_document(G2)
    assert store.documents() == [G2]
    assert store.triple_count() == 2


def test_documents_lists_every_named_graph_sorted(store: Store) -> None:
    assert store.documents() == []
    store.add_document(G2, DOC_TWO)
    store.add_document(G1, DOC_ONE)
    assert store.documents() == [G1, G2]
    assert store.has_document(G1)
    assert not store.has_document("https://example.org/graph/none")


def test_default_graph_is_the_union_and_graph_addresses_one_document(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    store.add_document(G2, DOC_TWO)

    assert _values(store, f"SELECT ?n WHERE {{ ?s {NAME} ?n }}", "n") == ["Alice", "Bob"]
    assert _values(store, f"SELECT ?n WHERE {{ GRAPH <{G2}> {{ ?s {NAME} ?n }} }}", "n") == ["Bob"]
    assert _values(store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s {NAME} ?n }} }}", "g") == [G1, G2]


def test_a_triple_stated_by_two_documents_is_seen_once_until_both_are_gone(store: Store) -> None:
    knows = f"SELECT ?o WHERE {{ {ALICE} {KNOWS} ?o }}"
    store.add_document(G1, DOC_ONE)
    store.add_document(G2, DOC_ONE)
    assert len(store.select(knows).rows) == 1
    assert len(store.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ {ALICE} {KNOWS} ?o }} }}").rows) == 2

    store.drop_document(G1)
    assert len(store.select(knows).rows) == 1
    store.add_document(G2, DOC_TWO)
    assert store.select(knows).rows == ()
    assert _values(store, f"SELECT ?n WHERE {{ ?s {NAME} ?n }}", "n") == ["Bob"]


def test_counting_over_the_default_graph_counts_each_fact_once(store: Store) -> None:
    for graph in (G1, G2, "https://example.org/graph/three"):
        store.add_document(graph, DOC_ONE)
    (row,) = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {KNOWS} ?o . ?o ?p ?v }}").rows
    assert row["n"]["value"] == "0"
    (row,) = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {KNOWS} ?o . ?s {NAME} ?v }}").rows
    assert row["n"]["value"] == "1"
    assert store.triple_count() == 6


def test_select_gives_terms_in_sparql_json_shape(store: Store) -> None:
    store.add_document(G2, DOC_TWO)
    store.add_document(G1, DOC_ONE)
    result = store.select(
        f"SELECT ?who ?name ?age WHERE {{ ?who {NAME} ?name OPTIONAL {{ ?who {AGE} ?age }} }} ORDER BY ?name"
    )
    assert result.variables == ("who", "name", "age")
    alice, bob = result.rows
    assert alice == {
        "who": {"type": "uri", "value": "https://example.org/alice"},
        "name": {"type": "literal", "value": "Alice"},
    }
    assert bob["name"] == {"type": "literal", "value": "Bob", "xml:lang": "en"}
    assert bob["age"] == {
        "type": "literal",
        "value": "42",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }


def test_ask_through_select_is_one_boolean_row(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    yes = store.select(f"ASK {{ {ALICE} {KNOWS} {BOB} }}")
    no = store.select(f"ASK {{ {BOB} {KNOWS} {ALICE} }}")
    assert yes.variables == ("boolean",)
    assert yes.rows[0]["boolean"]["value"] == "true"
    assert no.rows[0]["boolean"]["value"] == "false"


def test_select_refuses_a_construct(store: Store) -> None:
    with pytest.raises(InvalidQuery):
        store.select("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


SELECT_ALL = f"SELECT ?s ?n WHERE {{ ?s {NAME} ?n }} ORDER BY ?n"
CONSTRUCT_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_select_results_are_served_in_the_negotiated_format(
    store: Store, accept: str, media_type: str
) -> None:
    store.add_document(G1, DOC_ONE)
    store.add_document(G2, DOC_TWO)
    body, served = store.query_raw(SELECT_ALL, accept)
    assert served == media_type
    text = body.decode("utf-8")
    if media_type == "application/sparql-results+json":
        names = [row["n"]["value"] for row in json.loads(text)["results"]["bindings"]]
        assert names == ["Alice", "Bob"]
    elif media_type == "application/sparql-results+xml":
        assert "<sparql" in text and "Alice" in text and "Bob" in text
    elif media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["s", "n"]
        assert [row[1] for row in rows[1:]] == ["Alice", "Bob"]
    else:
        lines = text.strip().splitlines()
        assert lines[0].split("\t") == ["?s", "?n"]
        assert len(lines) == 3


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("*/*", "text/turtle", "turtle"),
    ],
)
def test_construct_results_are_served_in_the_negotiated_format(
    store: Store, accept: str, media_type: str, rdflib_format: str
) -> None:
    store.add_document(G1, DOC_ONE)
    body, served = store.query_raw(CONSTRUCT_ALL, accept)
    assert served == media_type
    parsed = rdflib.Graph().parse(data=body.decode("utf-8"), format=rdflib_format)
    assert len(parsed) == 2
    assert (
        rdflib.URIRef("https://example.org/alice"),
        rdflib.URIRef("https://example.org/knows"),
        rdflib.URIRef("https://example.org/bob"),
    ) in parsed


def test_ask_is_served_as_a_results_document(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    body, served = store.query_raw(f"ASK {{ {ALICE} {KNOWS} {BOB} }}", "application/sparql-results+json")
    assert served == "application/sparql-results+json"
    assert json.loads(body) == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    ("sparql", "accept"),
    [(SELECT_ALL, "image/png"), (SELECT_ALL, "text/turtle"), (CONSTRUCT_ALL, "text/csv")],
)
def test_an_accept_the_store_cannot_serve_is_not_acceptable(store: Store, sparql: str, accept: str) -> None:
    with pytest.raises(NotAcceptable) as caught:
        store.query_raw(sparql, accept)
    assert caught.value.status == 406


@pytest.mark.parametrize("sparql", ["SELEC ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s ?p }", ""])
def test_a_query_that_does_not_parse_is_invalid(store: Store, sparql: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        store.select(sparql)
    assert caught.value.status == 400
    with pytest.raises(InvalidQuery):
        store.query_raw(sparql, "*/*")


def test_update_changes_the_store_and_a_broken_update_changes_nothing(store: Store) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{G1}> {{ {ALICE} {KNOWS} {BOB} }} }}")
    assert store.has_document(G1)
    assert store.triple_count() == 1
    # The default graph follows the document graphs.
    assert _values(store, f"SELECT ?o WHERE {{ {ALICE} {KNOWS} ?o }}", "o") == ["https://example.org/bob"]

    with pytest.raises(InvalidQuery):
        store.update(f"INSERT DATA {{ GRAPH <{G1}> {{ {ALICE} {KNOWS} }} }}")
    assert store.triple_count() == 1

    store.update(f"DELETE WHERE {{ GRAPH <{G1}> {{ {ALICE} ?p ?o }} }} ; # comment ending with ;")
    assert store.triple_count() == 0
    assert store.select(f"ASK {{ {ALICE} ?p ?o }}").rows[0]["boolean"]["value"] == "false"


def test_adding_text_that_is_not_ntriples_keeps_the_stored_document(store: Store) -> None:
    store.add_document(G1, DOC_ONE)
    with pytest.raises(InvalidParameter):
        store.add_document(G1, f"{ALICE} {KNOWS} .\n")
    with pytest.raises(InvalidParameter):
        store.add_document("not an iri", DOC_ONE)
    assert store.triple_count() == 2
    assert _values(store, f"SELECT ?n WHERE {{ GRAPH <{G1}> {{ ?s {NAME} ?n }} }}", "n") == ["Alice"]


def test_literals_with_quotes_braces_newlines_and_emoji_round_trip(store: Store) -> None:
    tricky = 'She said "hi" } {\n\ttab \\ backslash \x0c\u2028\x00 ✨ ünïcödé'
    graph = rdflib.Graph()
    alice, name = rdflib.URIRef(ALICE.strip("<>")), rdflib.URIRef(NAME.strip("<>"))
    graph.add((alice, name, rdflib.Literal(tricky)))
    store.add_document(G1, to_ntriples(graph))
    assert _values(store, f"SELECT ?n WHERE {{ ?s {NAME} ?n }}", "n") == [tricky]


def _laurent_extraction() -> Extraction:
    raw = "---\ntitle: Meet Laurent\ndate: 2021-06-01\n---\nLaurent Bernaille works at Datadog.\n"
    text = "Laurent Bernaille works at Datadog."
    start = raw.index(text)
    document = Document(
        id="k8s-blog/meet-laurent",
        source="k8s-blog/meet-laurent.md",
        raw=raw,
        text=text,
        offsets=tuple(range(start, start + len(text) + 1)),
    )
    person = Entity("person/laurent-bernaille", "Laurent Bernaille", EntityType.PERSON, ("Laurent",))
    company = Entity("organization/datadog", "Datadog", EntityType.ORGANIZATION)
    fact = Fact(
        subject=person.key,
        predicate=Predicate.WORKS_AT,
        object=company.key,
        evidence=Evidence(document.id, text, start, start + len(text), "2021-06-01"),
        confidence=0.9,
        rule="works_at",
    )
    return Extraction(document, (), (person, company), (fact,), "test-1")


def test_an_extraction_graph_is_stored_and_its_evidence_queried(store: Store) -> None:
    extraction = _laurent_extraction()
    graph_iri = str(document_iri(extraction.document.id))
    store.add_document(graph_iri, to_ntriples(extraction_to_graph(extraction)))
    result = store.select(
        """
        PREFIX mkg: <https://w3id.org/maintainer-kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?text ?start ?end ?g WHERE {
          ?p rdfs:label "Laurent Bernaille" ; mkg:worksAt ?o .
          ?o rdfs:label "Datadog" .
          GRAPH ?g { ?e rdf:subject ?p ; rdf:predicate mkg:worksAt ; rdf:object ?o ;
                        mkg:evidenceText ?text ; mkg:startOffset ?start ; mkg:endOffset ?end . }
        }
        """
    )
    (row,) = result.rows
    start, end = int(row["start"]["value"]), int(row["end"]["value"])
    assert extraction.document.raw[start:end] == row["text"]["value"] == "Laurent Bernaille works at Datadog."
    assert row["g"]["value"] == graph_iri


def test_a_closed_store_says_so(store: Store) -> None:
    store.close()
    with pytest.raises(StoreUnavailable):
        store.triple_count()
    store.close()  # closing twice is harmless


# --- backend-specific promises -------------------------------------------------------------------


def test_an_on_disk_store_keeps_its_documents_after_reopening(tmp_path: Path) -> None:
    first = open_store(tmp_path / "store")
    first.add_document(G1, DOC_ONE)
    first.close()
    second = open_store(tmp_path / "store")
    try:
        assert isinstance(second, OxigraphStore)
        assert second.documents() == [G1]
        assert second.triple_count() == 2
    finally:
        second.close()


def test_a_store_directory_holding_only_document_graphs_gets_its_default_graph_on_opening(
    tmp_path: Path,
) -> None:
    # A directory written by plain Oxigraph: named graphs only, empty default graph.
    raw = pyoxigraph.Store(str(tmp_path / "store"))
    raw.load(DOC_ONE, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(G1))
    raw.flush()
    del raw
    store = open_store(tmp_path / "store")
    try:
        assert _values(store, f"SELECT ?n WHERE {{ ?s {NAME} ?n }}", "n") == ["Alice"]
        assert store.triple_count() == 2
    finally:
        store.close()


def test_a_store_directory_held_by_another_process_is_unavailable(tmp_path: Path) -> None:
    holder = open_store(tmp_path / "store")
    try:
        probe = (
            "import sys\n"
            "from graph.errors import StoreUnavailable\n"
            "from graph.store import open_store\n"
            "try:\n"
            "    open_store(sys.argv[1])\n"
            "except StoreUnavailable as error:\n"
            "    print(error.code); print(error.detail)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe, str(tmp_path / "store")],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        code, detail = done.stdout.split("\n", 1)
        assert code == "store_unavailable"
        assert "another process" in detail
    finally:
        holder.close()


def test_open_store_picks_the_backend_from_the_location(tmp_path: Path) -> None:
    remote = open_store("http://127.0.0.1:1/")
    local = open_store(tmp_path / "s")
    memory = open_memory_store()
    try:
        assert isinstance(remote, RemoteSparqlStore)
        assert remote.base_url == "http://127.0.0.1:1"
        assert isinstance(local, OxigraphStore) and local.path == tmp_path / "s"
        assert isinstance(memory, OxigraphStore) and memory.path is None
    finally:
        for opened in (remote, local, memory):
            opened.close()


def test_a_server_that_cannot_be_reached_is_unavailable() -> None:
    # Port 1 on loopback refuses connections: nothing listens there.
    remote = RemoteSparqlStore("http://127.0.0.1:1")
    try:
        with pytest.raises(StoreUnavailable) as caught:
            remote.documents()
        assert "127.0.0.1:1" in caught.value.detail
    finally:
        remote.close()


def test_the_query_endpoint_url_is_accepted_as_the_server_url() -> None:
    remote = RemoteSparqlStore("http://localhost:7878/query")
    assert remote.base_url == "http://localhost:7878"
    remote.close()


@pytest.mark.parametrize(
    ("sparql", "accept", "error"),
    [
        (SELECT_ALL, "image/png", NotAcceptable),
        (CONSTRUCT_ALL, "text/csv", NotAcceptable),
        ("SELEC", "*/*", InvalidQuery),
    ],
)
def test_a_query_failing_on_a_worker_thread_leaves_nothing_to_free_on_the_caller_thread(
    store: Store, monkeypatch: pytest.MonkeyPatch, sparql: str, accept: str, error: type[Exception]
) -> None:
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    store.add_document(G1, DOC_ONE)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(store.query_raw, sparql, accept)
        with pytest.raises(error):
            future.result()
        del future
    gc.collect()
    assert unraisable == []


def test_select_refusing_a_construct_on_a_worker_thread_leaves_nothing_to_free(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    store.add_document(G1, DOC_ONE)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(store.select, CONSTRUCT_ALL)
        with pytest.raises(InvalidQuery):
            future.result()
        del future
    gc.collect()
    assert unraisable == []
