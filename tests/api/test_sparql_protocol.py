"""The public SPARQL 1.1 Protocol endpoint: requests, datasets, formats, limits and refusals."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import rdflib
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_store
from api.routes.sparql import UNKNOWN_GRAPHS_HEADER
from api.settings import Settings
from graph.store import Store, open_memory_store
from graph.store.workers import close_query_runner

G1 = "https://example.org/graph/one"
G2 = "https://example.org/graph/two"
NAME = "<https://example.org/name>"
DOC_ONE = f'<https://example.org/alice> {NAME} "Alice" .\n<https://example.org/carol> {NAME} "Carol" .\n'
DOC_TWO = f'<https://example.org/bob> {NAME} "Bob" .\n'
NAMES = "SELECT ?n WHERE { ?s <https://example.org/name> ?n } ORDER BY ?n"
NAMES_BY_GRAPH = "SELECT ?g ?n WHERE { GRAPH ?g { ?s <https://example.org/name> ?n } } ORDER BY ?n"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    """One store (and so one query worker) for the module: every test here only reads."""
    store = open_memory_store()
    store.add_document(G1, DOC_ONE)
    store.add_document(G2, DOC_TWO)
    yield store
    close_query_runner(store)
    store.close()


def _client(store: Store, **settings: object) -> TestClient:
    app = create_app(Settings(**{"query_workers": 1, **settings}))  # type: ignore[arg-type]
    app.dependency_overrides[get_store] = lambda: store
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(store: Store) -> TestClient:
    return _client(store, max_rows=100)


def _names(response: object) -> list[str]:
    payload = json.loads(response.content)  # type: ignore[attr-defined]
    return [row["n"]["value"] for row in payload["results"]["bindings"]]


def test_get_post_body_and_form_give_the_same_answer(client: TestClient) -> None:
    by_get = client.get("/sparql", params={"query": NAMES})
    by_body = client.post("/sparql", content=NAMES, headers={"Content-Type": "application/sparql-query"})
    by_form = client.post("/sparql", data={"query": NAMES})
    for response in (by_get, by_body, by_form):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(JSON)
        assert _names(response) == ["Alice", "Bob", "Carol"]


def test_the_default_graph_is_the_union_and_each_document_a_named_graph(client: TestClient) -> None:
    rows = json.loads(client.get("/sparql", params={"query": NAMES_BY_GRAPH}).content)["results"]["bindings"]
    assert [(row["g"]["value"], row["n"]["value"]) for row in rows] == [
        (G1, "Alice"),
        (G2, "Bob"),
        (G1, "Carol"),
    ]


def test_dataset_parameters_choose_the_graphs(client: TestClient) -> None:
    narrowed = client.get("/sparql", params={"query": NAMES, "default-graph-uri": G2})
    assert _names(narrowed) == ["Bob"]
    by_form = client.post("/sparql", data={"query": NAMES, "default-graph-uri": [G1]})
    assert _names(by_form) == ["Alice", "Carol"]
    by_body = client.post(
        "/sparql",
        params={"named-graph-uri": G2},
        content=NAMES_BY_GRAPH,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert _names(by_body) == ["Bob"]


def test_from_clauses_choose_local_graphs(client: TestClient) -> None:
    query = f"SELECT ?n FROM <{G2}> WHERE {{ ?s {NAME} ?n }}"
    assert _names(client.get("/sparql", params={"query": query})) == ["Bob"]


@pytest.mark.parametrize(
    "params",
    [
        {"query": NAMES, "default-graph-uri": "https://elsewhere.example/data"},
        {"query": NAMES, "named-graph-uri": "https://elsewhere.example/data"},
        {"query": f"SELECT ?n FROM <https://elsewhere.example/data> WHERE {{ ?s {NAME} ?n }}"},
        {
            "query": "PREFIX e: <https://elsewhere.example/>\n"
            f"SELECT ?n FROM NAMED e:data WHERE {{ ?s {NAME} ?n }}"
        },
    ],
)
def test_graphs_that_are_not_in_the_store_are_read_as_empty_and_named(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/sparql", params=params)
    assert response.status_code == 200
    assert _names(response) == []
    assert response.headers[UNKNOWN_GRAPHS_HEADER] == "<https://elsewhere.example/data>"


def test_an_answer_over_local_graphs_names_no_unknown_graph(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NAMES, "default-graph-uri": G2})
    assert _names(response) == ["Bob"]
    assert UNKNOWN_GRAPHS_HEADER not in response.headers


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (JSON, JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/html, application/xml;q=0.9", "application/sparql-results+xml"),
    ],
)
def test_select_results_come_in_the_negotiated_format(
    client: TestClient, accept: str, media_type: str
) -> None:
    response = client.get("/sparql", params={"query": NAMES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["vary"] == "Accept"
    if media_type == "text/csv":
        assert [row["n"] for row in csv.DictReader(io.StringIO(response.text))] == ["Alice", "Bob", "Carol"]
    elif media_type.endswith("xml"):
        literals = ET.fromstring(response.content).iter("{http://www.w3.org/2005/sparql-results#}literal")
        assert [element.text for element in literals] == ["Alice", "Bob", "Carol"]
    elif media_type == "text/tab-separated-values":
        assert response.text.splitlines() == ["?n", '"Alice"', '"Bob"', '"Carol"']


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_construct_results_come_in_the_negotiated_format(
    client: TestClient, accept: str, rdflib_format: str
) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == 3


def test_ask_answers_a_boolean(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": f'ASK {{ ?s {NAME} "Bob" }}'})
    assert response.json()["boolean"] is True


def test_an_accept_it_cannot_serve_is_a_json_406(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NAMES}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable"


def test_a_malformed_query_is_a_400_with_the_parser_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p "})
    assert response.status_code == 400
    assert "does not parse" in response.json()["detail"]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
        {"method": "POST", "content": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "GET", "params": {"query": "DROP ALL"}},
        {"method": "GET", "params": {"query": "INSERT DATA { <https://e.org/a> <https://e.org/b> 1 }"}},
    ],
)
def test_updates_are_refused_and_nothing_changes(
    client: TestClient, request_kwargs: dict[str, object]
) -> None:
    method = str(request_kwargs.pop("method"))
    response = client.request(method, "/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "read-only" in response.json()["detail"]
    assert _names(client.get("/sparql", params={"query": NAMES})) == ["Alice", "Bob", "Carol"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service\n<http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { # a comment\n SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o } LOAD",
    ],
)
def test_service_and_load_are_refused(client: TestClient, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400


def test_service_named_in_strings_iris_and_comments_is_not_refused(client: TestClient) -> None:
    query = (
        "PREFIX ex: <https://example.org/SERVICE/> # SERVICE <http://x>\n"
        'SELECT ?n WHERE { ?s <https://example.org/name> ?n FILTER(?n != "SERVICE <http://x> { }") '
        "OPTIONAL { ?s ex:SERVICE ?service } }"
    )
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert sorted(_names(response)) == ["Alice", "Bob", "Carol"]


def test_results_beyond_the_row_cap_are_cut_and_marked(store: Store) -> None:
    client = _client(store, max_rows=2)
    response = client.get("/sparql", params={"query": NAMES})
    assert response.headers["x-mkg-truncated"] == "true"
    assert _names(response) == ["Alice", "Bob"]
    assert response.json()["truncated"] is True
    as_csv = client.get("/sparql", params={"query": NAMES}, headers={"Accept": "text/csv"})
    assert as_csv.headers["x-mkg-truncated"] == "true" and len(as_csv.text.splitlines()) == 3
    whole = client.get("/sparql", params={"query": NAMES, "default-graph-uri": G1})
    assert whole.headers["x-mkg-truncated"] == "false" and "truncated" not in whole.json()


def test_a_query_over_the_length_cap_is_a_413(store: Store) -> None:
    client = _client(store, max_query_chars=200)
    response = client.post(
        "/sparql", content=NAMES + " " * 300, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413
    assert "MKG_MAX_QUERY_CHARS" in response.json()["detail"]


def test_no_query_is_a_400_but_a_browser_gets_the_query_editor(client: TestClient) -> None:
    assert client.get("/sparql").status_code == 400
    page = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/static/yasgui/yasgui.min.js" in page.text and "{{" not in page.text
    assert client.get("/static/yasgui/yasgui.min.js").status_code == 200
    assert client.get("/static/yasgui/yasgui.LICENSE").status_code == 200


def test_other_body_types_are_a_415(client: TestClient) -> None:
    response = client.post("/sparql", content=NAMES, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_the_query_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"MKG_MAX_QUERY_CHARS": "500", "MKG_QUERY_WORKERS": "3"})
    assert (settings.max_query_chars, settings.query_workers) == (500, 3)
    defaults = Settings.from_env({})
    assert (defaults.max_query_chars, defaults.query_workers, defaults.max_rows) == (100_000, 2, 10_000)


def test_relative_iris_resolve_against_the_endpoint(client: TestClient) -> None:
    response = client.post(
        "/sparql",
        content="CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.text
    graph = rdflib.Graph().parse(data=response.text, format="nt")
    base = str(client.base_url) + "/"
    assert set(graph) == {(rdflib.URIRef(base + "s"), rdflib.URIRef(base + "p"), rdflib.Literal(1))}


def test_a_parse_error_gives_the_line_of_the_query_as_sent(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE {\n <s> ?p ?o . ?? }"})
    assert response.status_code == 400
    assert "at 2:" in response.json()["detail"]
