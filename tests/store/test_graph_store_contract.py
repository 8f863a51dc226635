"""Every backend keeps the same promises for datasets, capped answers and whole-graph writes."""

from __future__ import annotations

import json

import pytest

from graph.errors import InvalidParameter, NotFound, UnsupportedMediaType
from graph.store import Store

G1 = "https://example.org/graph/one"
G2 = "https://example.org/graph/two"
ALICE = "<https://example.org/alice>"
BOB = "<https://example.org/bob>"
NAME = "<https://example.org/name>"
KNOWS = "<https://example.org/knows>"
DOC_ONE = f'{ALICE} {NAME} "Alice" .\n{ALICE} {KNOWS} {BOB} .\n'
DOC_TWO = f'{BOB} {NAME} "Bob" .\n'
NAMES = "SELECT ?n WHERE { ?s <https://example.org/name> ?n }"
NAMES_BY_GRAPH = "SELECT ?g ?n WHERE { GRAPH ?g { ?s <https://example.org/name> ?n } }"


def _names(store: Store, sparql: str = NAMES, **dataset: list[str]) -> list[str]:
    rows = store.select(sparql, **dataset).rows  # type: ignore[arg-type]
    return sorted(row["n"]["value"] for row in rows)


@pytest.fixture
def two_graphs(store: Store) -> Store:
    store.add_document(G1, DOC_ONE)
    store.add_document(G2, DOC_TWO)
    return store


def test_default_graph_uris_narrow_the_default_graph(two_graphs: Store) -> None:
    assert _names(two_graphs) == ["Alice", "Bob"]
    assert _names(two_graphs, default_graphs=[G2]) == ["Bob"]
    assert _names(two_graphs, default_graphs=[G1, G2]) == ["Alice", "Bob"]


def test_named_graph_uris_alone_leave_the_default_graph_empty(two_graphs: Store) -> None:
    assert _names(two_graphs, named_graphs=[G1]) == []
    assert _names(two_graphs, NAMES_BY_GRAPH, named_graphs=[G1]) == ["Alice"]


def test_default_graph_uris_alone_leave_no_named_graphs(two_graphs: Store) -> None:
    assert _names(two_graphs, NAMES_BY_GRAPH, default_graphs=[G1]) == []


def test_answer_cuts_rows_at_the_cap_and_says_so(two_graphs: Store) -> None:
    capped = two_graphs.answer(NAMES, "application/sparql-results+json", max_rows=1)
    payload = json.loads(capped.body)
    assert capped.truncated
    assert len(payload["results"]["bindings"]) == 1
    assert payload["truncated"] is True
    whole = two_graphs.answer(NAMES, "application/sparql-results+json", max_rows=2)
    assert not whole.truncated
    assert "truncated" not in json.loads(whole.body)
    assert len(json.loads(whole.body)["results"]["bindings"]) == 2


def test_answer_caps_constructs_and_serves_every_format(two_graphs: Store) -> None:
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    capped = two_graphs.answer(construct, "application/n-triples", max_rows=2)
    assert capped.truncated and capped.body.decode().count(" .\n") == 2
    for accept, marker in [
        ("text/csv", b"n\r\n"),
        ("text/tab-separated-values", b"?n\n"),
        ("application/sparql-results+xml", b"<sparql"),
    ]:
        answer = two_graphs.answer(NAMES, accept, max_rows=10)
        assert answer.media_type == accept and marker in answer.body
    turtle = two_graphs.answer(construct, "text/turtle", max_rows=10)
    assert turtle.media_type == "text/turtle" and b"Alice" in turtle.body


def test_put_graph_creates_then_replaces_and_keeps_the_union(store: Store) -> None:
    assert store.put_graph(G1, DOC_ONE.encode(), "application/n-triples") is True
    turtle = b'@prefix ex: <https://example.org/> .\nex:carol ex:name "Carol" .\n'
    assert store.put_graph(G1, turtle, "text/turtle; charset=utf-8") is False
    assert _names(store) == ["Carol"]
    assert store.documents() == [G1]


def test_post_graph_adds_to_a_graph(store: Store) -> None:
    assert store.post_graph(G1, DOC_ONE.encode(), "application/n-triples") is True
    assert store.post_graph(G1, DOC_TWO.encode(), "application/n-triples") is False
    assert _names(store) == ["Alice", "Bob"]
    assert _names(store, default_graphs=[G1]) == ["Alice", "Bob"]


def test_an_empty_put_graph_still_exists(store: Store) -> None:
    store.put_graph(G1, b"", "text/turtle")
    assert store.has_document(G1)


def test_get_graph_serves_a_graph_or_the_union(two_graphs: Store) -> None:
    one = two_graphs.get_graph(G1, "application/n-triples").decode()
    union = two_graphs.get_graph(None, "application/n-triples").decode()
    assert "Alice" in one and "Bob" not in one.replace(BOB + " .", "")
    assert "Alice" in union and '"Bob"' in union
    with pytest.raises(NotFound):
        two_graphs.get_graph("https://example.org/graph/none", "text/turtle")


def test_dropping_a_shared_triple_keeps_it_in_the_union_while_another_graph_holds_it(store: Store) -> None:
    store.put_graph(G1, DOC_TWO.encode(), "application/n-triples")
    store.put_graph(G2, DOC_TWO.encode(), "application/n-triples")
    assert store.drop_document(G1)
    assert _names(store) == ["Bob"]
    assert store.drop_document(G2)
    assert _names(store) == []


@pytest.mark.parametrize(
    ("data", "media_type", "error"),
    [
        (b"<a> <b> ", "application/n-triples", InvalidParameter),
        (b"<https://e.org/a> <https://e.org/b> <https://e.org/c> .", "image/png", UnsupportedMediaType),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(
    two_graphs: Store, data: bytes, media_type: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        two_graphs.put_graph(G1, data, media_type)
    assert _names(two_graphs) == ["Alice", "Bob"]


def test_quads_formats_load_into_the_named_graph(store: Store) -> None:
    trig = b'<https://example.org/elsewhere> { <https://example.org/dan> <https://example.org/name> "Dan" . }'
    store.put_graph(G1, trig, "application/trig")
    assert store.documents() == [G1]
    assert _names(store, default_graphs=[G1]) == ["Dan"]


def test_an_update_resolves_relative_iris_against_the_given_base(store: Store) -> None:
    store.update(
        f'INSERT DATA {{ GRAPH <{G1}> {{ <alice> <https://example.org/name> "Alice" }} }}',
        base_iri="https://example.org/people/",
    )
    rows = store.select("SELECT ?s WHERE { ?s <https://example.org/name> ?n }").rows
    assert [row["s"]["value"] for row in rows] == ["https://example.org/people/alice"]
