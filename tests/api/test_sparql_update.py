"""SPARQL Update at /update and the Graph Store Protocol at /store: admin token only, union kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rdflib
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_store
from api.settings import Settings
from graph.store import Store, open_memory_store
from graph.store.workers import close_query_runner

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G1 = "https://example.org/graph/one"
G2 = "https://example.org/graph/two"
NAME = "<https://example.org/name>"
ALICE_NT = f'<https://example.org/alice> {NAME} "Alice" .\n'.encode()
BOB_TTL = b'@prefix ex: <https://example.org/> .\nex:bob ex:name "Bob" .\n'
NAMES = "SELECT ?n WHERE { ?s <https://example.org/name> ?n }"
INSERT = f'INSERT DATA {{ GRAPH <{G2}> {{ <https://example.org/dan> {NAME} "Dan" }} }}'


@pytest.fixture
def store() -> Iterator[Store]:
    store = open_memory_store()
    yield store
    close_query_runner(store)
    store.close()


def _client(store: Store, token: str | None = TOKEN) -> TestClient:
    app = create_app(Settings(admin_token=token, query_workers=1))
    app.dependency_overrides[get_store] = lambda: store
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(store: Store) -> TestClient:
    return _client(store)


def _names(store: Store) -> list[str]:
    return sorted(row["n"]["value"] for row in store.select(NAMES).rows)


def test_an_update_with_the_token_runs_and_the_union_follows(client: TestClient, store: Store) -> None:
    response = client.post(
        "/update", content=INSERT, headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 204, response.text
    assert store.documents() == [G2]
    assert _names(store) == ["Dan"]
    form = client.post("/update", data={"update": f"DROP GRAPH <{G2}>"}, headers=AUTH)
    assert form.status_code == 204
    assert _names(store) == []


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}]
)
def test_a_missing_or_wrong_token_is_a_401_with_a_bearer_challenge(
    client: TestClient, store: Store, headers: dict[str, str]
) -> None:
    for response in (
        client.post(
            "/update", content=INSERT, headers={**headers, "Content-Type": "application/sparql-update"}
        ),
        client.put(
            "/store",
            params={"graph": G1},
            content=ALICE_NT,
            headers={**headers, "Content-Type": "application/n-triples"},
        ),
        client.get("/store", params={"graph": G1}, headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"] == "unauthorized"
    assert store.documents() == []


def test_without_a_configured_token_writes_are_off(store: Store) -> None:
    client = _client(store, token=None)
    response = client.post(
        "/update", content=INSERT, headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 403
    assert "MKG_ADMIN_TOKEN" in response.json()["detail"]
    assert client.delete("/store", params={"graph": G1}, headers=AUTH).status_code == 403
    assert store.documents() == []


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "load <http://127.0.0.1:9/data.ttl> INTO GRAPH <https://e.org/g>",
        f"INSERT {{ ?s {NAME} ?o }} WHERE {{ SERVICE <http://127.0.0.1:9/sparql> {{ ?s {NAME} ?o }} }}",
    ],
)
def test_updates_that_would_fetch_from_elsewhere_are_refused(client: TestClient, update: str) -> None:
    response = client.post(
        "/update", content=update, headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 400


def test_a_malformed_update_is_a_400_and_changes_nothing(client: TestClient, store: Store) -> None:
    store.add_document(G1, ALICE_NT.decode())
    response = client.post(
        "/update", content="INSERT DATA { <a> ", headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 400
    assert _names(store) == ["Alice"]


def test_graph_store_put_post_get_delete_follow_the_protocol(client: TestClient, store: Store) -> None:
    put = client.put(
        "/store",
        params={"graph": G1},
        content=ALICE_NT,
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert put.status_code == 201
    again = client.put(
        "/store",
        params={"graph": G1},
        content=ALICE_NT,
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert again.status_code == 204
    post = client.post(
        "/store", params={"graph": G1}, content=BOB_TTL, headers={**AUTH, "Content-Type": "text/turtle"}
    )
    assert post.status_code == 204
    assert _names(store) == ["Alice", "Bob"]
    got = client.get("/store", params={"graph": G1}, headers={**AUTH, "Accept": "text/turtle"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=got.text, format="turtle")) == 2
    head = client.head("/store", params={"graph": G1}, headers=AUTH)
    assert head.status_code == 200 and head.content == b""
    assert client.delete("/store", params={"graph": G1}, headers=AUTH).status_code == 204
    assert _names(store) == []
    assert client.get("/store", params={"graph": G1}, headers=AUTH).status_code == 404
    assert client.head("/store", params={"graph": G1}, headers=AUTH).status_code == 404
    assert client.delete("/store", params={"graph": G1}, headers=AUTH).status_code == 404


def test_the_default_graph_reads_as_the_union_but_cannot_be_written(client: TestClient, store: Store) -> None:
    store.add_document(G1, ALICE_NT.decode())
    store.add_document(G2, ALICE_NT.decode())
    union = client.get("/store", params={"default": ""}, headers={**AUTH, "Accept": "application/n-triples"})
    assert union.status_code == 200 and union.text.count("Alice") == 1
    for method in ("PUT", "POST", "DELETE"):
        response = client.request(
            method,
            "/store",
            params={"default": ""},
            content=BOB_TTL,
            headers={**AUTH, "Content-Type": "text/turtle"},
        )
        assert response.status_code == 405
        assert "union" in response.json()["detail"]
    assert _names(store) == ["Alice"]


@pytest.mark.parametrize(
    ("params", "content_type", "body", "status"),
    [
        ({}, "text/turtle", BOB_TTL, 400),
        ({"graph": G1, "default": ""}, "text/turtle", BOB_TTL, 400),
        ({"graph": "not an iri"}, "text/turtle", BOB_TTL, 400),
        ({"graph": G1}, "text/turtle", b"@prefix broken", 400),
        ({"graph": G1}, "image/png", BOB_TTL, 415),
    ],
)
def test_bad_graph_store_requests_are_refused(
    client: TestClient, store: Store, params: dict[str, str], content_type: str, body: bytes, status: int
) -> None:
    response = client.put(
        "/store", params=params, content=body, headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status_code == status
    assert store.documents() == []


def test_uploads_in_every_rdf_format_are_read(client: TestClient, store: Store) -> None:
    bodies = {
        "application/n-triples": ALICE_NT,
        "text/turtle": BOB_TTL,
        "application/n-quads": (
            f'<https://example.org/c> {NAME} "Carol" <https://example.org/ignored> .\n'.encode()
        ),
        "application/trig": f'{{ <https://example.org/e> {NAME} "Eve" . }}'.encode(),
        "application/rdf+xml": (
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">'
            b'<rdf:Description rdf:about="https://example.org/f"><ex:name>Fay</ex:name></rdf:Description></rdf:RDF>'
        ),
    }
    for index, (media_type, body) in enumerate(bodies.items()):
        graph = f"https://example.org/graph/{index}"
        response = client.put(
            "/store", params={"graph": graph}, content=body, headers={**AUTH, "Content-Type": media_type}
        )
        assert response.status_code == 201, (media_type, response.text)
    assert _names(store) == ["Alice", "Bob", "Carol", "Eve", "Fay"]


def test_using_graph_uri_sets_the_graphs_an_update_reads(client: TestClient, store: Store) -> None:
    store.add_document(G1, ALICE_NT.decode())
    store.add_document(G2, f'<https://example.org/bob> {NAME} "Bob" .\n')
    copy = f"INSERT {{ GRAPH <https://example.org/graph/copy> {{ ?s {NAME} ?n }} }} WHERE {{ ?s {NAME} ?n }}"
    response = client.post(
        "/update",
        params={"using-graph-uri": G2},
        content=copy,
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 204, response.text
    copied = store.select(f"SELECT ?n WHERE {{ GRAPH <https://example.org/graph/copy> {{ ?s {NAME} ?n }} }}")
    assert [row["n"]["value"] for row in copied.rows] == ["Bob"]


def test_relative_iris_in_an_update_resolve_against_the_endpoint(client: TestClient, store: Store) -> None:
    update = f"INSERT DATA {{ GRAPH <{G1}> {{ <https://example.org/a> {NAME} <notes> }} }}"
    response = client.post(
        "/update", content=update, headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 204, response.text
    rows = store.select(f"SELECT ?o WHERE {{ ?s {NAME} ?o }}").rows
    assert [row["o"]["value"] for row in rows] == ["http://testserver/notes"]
