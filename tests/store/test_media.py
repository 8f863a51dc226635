"""Accept negotiation and query-form detection shared by the store backends."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import InvalidParameter, NotAcceptable
from graph.store import OxigraphStore
from graph.store.media import (
    GRAPH_MEDIA_TYPES,
    RESULTS_MEDIA_TYPES,
    QueryForm,
    checked_documents,
    checked_ntriples,
    negotiate,
    query_form,
    union_nquads,
)


@pytest.mark.parametrize(
    ("sparql", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", QueryForm.SELECT),
        (
            "prefix ex: <http://ex.org/select#ask>\nconstruct { ?s ?p ?o } where { ?s ?p ?o }",
            QueryForm.CONSTRUCT,
        ),
        ("# SELECT in a comment\nASK { ?s ?p ?o }", QueryForm.ASK),
        ("BASE <http://e/> DESCRIBE <x>", QueryForm.DESCRIBE),
        ('INSERT DATA { <http://a> <http://b> "select" }', None),
        ("", None),
    ],
)
def test_query_form_is_read_from_the_first_keyword_outside_iris_strings_and_comments(
    sparql: str, form: QueryForm | None
) -> None:
    assert query_form(sparql) == form


@pytest.mark.parametrize(
    ("accept", "graph_result", "chosen"),
    [
        ("", False, "application/sparql-results+json"),
        ("text/*", False, "text/csv"),
        ("text/*", True, "text/turtle"),
        ("application/n-triples;q=0.2, application/rdf+xml;q=0.8", True, "application/rdf+xml"),
        ("text/csv;q=0, */*;q=0.1", False, "application/sparql-results+json"),
        ("TEXT/CSV", False, "text/csv"),
        ("application/xml", False, "application/sparql-results+xml"),
    ],
)
def test_negotiation_picks_the_best_offered_media_type(accept: str, graph_result: bool, chosen: str) -> None:
    assert negotiate(accept, graph_result) == chosen


def test_negotiation_names_what_it_can_serve_when_nothing_fits() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate("text/csv;q=0, image/png", graph_result=False)
    assert "application/sparql-results+json" in caught.value.detail


@given(st.text(max_size=80), st.booleans())
def test_negotiation_answers_an_offered_type_or_not_acceptable(accept: str, graph_result: bool) -> None:
    offered = GRAPH_MEDIA_TYPES if graph_result else RESULTS_MEDIA_TYPES
    try:
        chosen = negotiate(accept, graph_result)
    except NotAcceptable:
        return
    assert chosen in offered


@given(st.text(max_size=200))
def test_query_form_never_fails_on_any_text(text: str) -> None:
    assert query_form(text) in (None, *QueryForm)


def test_checked_ntriples_rejects_text_that_is_not_ntriples() -> None:
    with pytest.raises(InvalidParameter):
        checked_ntriples("<http://a> <http://b> .")
    assert checked_ntriples("") == ""


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["", "@en", "^^<http://www.w3.org/2001/XMLSchema#token>"]))
def test_any_literal_survives_storing_and_reading_back(text: str, suffix: str) -> None:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    store = OxigraphStore(None)
    try:
        store.add_document(
            "https://example.org/g",
            f'<https://example.org/s> <https://example.org/p> "{escaped}"{suffix} .\n',
        )
        (row,) = store.select("SELECT ?o WHERE { ?s ?p ?o }").rows
        assert row["o"]["value"] == text
    finally:
        store.close()


LITERAL_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(LITERAL_TEXT, min_size=1, max_size=8, unique=True))
def test_union_nquads_state_every_triple_in_the_named_graph_and_in_the_default_graph(
    values: list[str],
) -> None:
    import pyoxigraph

    triples = [
        pyoxigraph.Triple(
            pyoxigraph.NamedNode(f"https://example.org/s{i}"),
            pyoxigraph.NamedNode("https://example.org/p"),
            pyoxigraph.Literal(value),
        )
        for i, value in enumerate(values)
    ]
    text = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES).decode("utf-8")
    graph = "https://example.org/graph/g"

    quads = list(
        pyoxigraph.parse(union_nquads(graph, checked_ntriples(text)), format=pyoxigraph.RdfFormat.N_QUADS)
    )

    named = {q.triple for q in quads if q.graph_name == pyoxigraph.NamedNode(graph)}
    default = {q.triple for q in quads if q.graph_name == pyoxigraph.DefaultGraph()}
    assert named == default == set(triples)
    assert len(quads) == 2 * len(triples)


def test_fresh_blank_nodes_rename_each_label_once_per_document() -> None:
    text = "_:a <https://example.org/p> _:b .\n_:b <https://example.org/p> _:a .\n"
    first = checked_ntriples(text, fresh_blank_nodes=True)
    second = checked_ntriples(text, fresh_blank_nodes=True)

    labels = [line.split()[0] for line in first.splitlines()]
    assert len(set(labels)) == 2 and "_:a" not in labels
    # The first line's object is the second line's subject: one label, one node.
    assert first.splitlines()[0].split()[2] == labels[1]
    assert set(labels).isdisjoint(line.split()[0] for line in second.splitlines())
    assert checked_ntriples(text) == text  # without renaming, the labels are kept


def test_checked_documents_keep_the_last_text_of_a_graph_and_name_a_bad_one() -> None:
    one = '<https://example.org/a> <https://example.org/p> "1" .\n'
    two = '<https://example.org/a> <https://example.org/p> "2" .\n'
    checked = checked_documents(
        [("https://example.org/g", one), ("https://example.org/h", one), ("https://example.org/g", two)]
    )
    assert list(checked) == ["https://example.org/h", "https://example.org/g"]
    assert checked["https://example.org/g"] == two

    with pytest.raises(InvalidParameter, match="https://example.org/bad"):
        checked_documents([("https://example.org/g", one), ("https://example.org/bad", "not a triple")])
