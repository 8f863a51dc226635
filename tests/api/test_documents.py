from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_extractor, get_store
from api.settings import Settings
from graph.store import Store
from tests.conftest import hand_made_extraction

POST = """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
Laurent Bernaille works at Datadog.

Laurent Bernaille contributed to Cilium.
"""


def post_markdown(
    client: TestClient, text: str | bytes, source: str | None = "posts/laurent.md"
) -> httpx.Response:
    params = {"source": source} if source else {}
    return client.post("/documents", content=text, params=params, headers={"Content-Type": "text/markdown"})


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["documents"] == 0


def test_posting_markdown_stores_its_facts(client: TestClient, memory_store: Store) -> None:
    response = post_markdown(client, POST)

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "iri", "entities", "facts"}
    assert (body["entities"], body["facts"]) == (3, 2)
    assert memory_store.documents() == [body["iri"]]
    assert client.get(response.headers["Location"]).json()["document"]["id"] == body["id"]
    listed = client.get("/documents").json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == body["id"]
    assert listed["items"][0]["title"] == "Meet the Maintainer: Laurent Bernaille"
    assert listed["items"][0]["date"] == "2024-05-02"


def test_posting_json_uses_its_source_as_the_document_name(client: TestClient) -> None:
    response = client.post("/documents", json={"text": POST, "source": "blog/laurent.md"})
    assert response.status_code == 201, response.text
    assert client.get("/documents").json()["items"][0]["source"] == "blog/laurent.md"


def test_posting_the_same_text_twice_leaves_the_store_unchanged(
    client: TestClient, memory_store: Store
) -> None:
    first = post_markdown(client, POST, source=None)
    count = memory_store.triple_count()
    second = post_markdown(client, POST, source=None)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert memory_store.triple_count() == count > 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"", "text/markdown", 400, "empty_document"),
        (b"  \n\t\n", "text/plain", 400, "empty_document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "application/octet-stream", 400, "binary_document"),
        (
            b"---\ntitle: [unclosed\n---\nLaurent Bernaille works at Datadog.\n",
            "text/markdown",
            422,
            "invalid_front_matter",
        ),
        (b"Laurent Bernaille works at Datadog.", "text/html", 415, "unsupported_media_type"),
        (b"{not json", "application/json", 400, "invalid_parameter"),
        (b'{"text": 42}', "application/json", 400, "invalid_parameter"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_stored(
    client: TestClient, memory_store: Store, body: bytes, content_type: str, status: int, code: str
) -> None:
    post_markdown(client, POST)
    count = memory_store.triple_count()

    response = client.post("/documents", content=body, headers={"Content-Type": content_type})

    assert_error(response, status, code)
    assert memory_store.triple_count() == count


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, memory_store: Store) -> None:
    post_markdown(client, POST)
    count = memory_store.triple_count()

    response = post_markdown(client, b"a" * 20_000_000)

    assert_error(response, 413, "document_too_large")
    assert memory_store.triple_count() == count


def test_deleting_a_document_removes_its_graph_then_404s(client: TestClient, memory_store: Store) -> None:
    document_id = post_markdown(client, POST).json()["id"]

    assert client.delete(f"/documents/{document_id}").status_code == 204
    assert memory_store.documents() == []
    assert_error(client.delete(f"/documents/{document_id}"), 404, "not_found")


def test_documents_are_listed_in_pages(client: TestClient) -> None:
    for name in ("a.md", "b.md", "c.md"):
        post_markdown(client, POST, source=name)
    page = client.get("/documents", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 3
    assert [item["source"] for item in page["items"]] == ["b.md", "c.md"]
    assert_error(client.get("/documents", params={"limit": 0}), 422, "invalid_request")


def test_writes_need_the_admin_token_when_one_is_set(memory_store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, admin_token="s3cret"))
    app.dependency_overrides[get_store] = lambda: memory_store
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    client = TestClient(app, raise_server_exceptions=False)

    assert_error(post_markdown(client, POST), 401, "unauthorized")
    wrong = {"Content-Type": "text/markdown", "Authorization": "Bearer nope"}
    assert_error(client.post("/documents", content=POST, headers=wrong), 403, "forbidden")
    assert memory_store.documents() == []
    right = {"Content-Type": "text/markdown", "Authorization": "Bearer s3cret"}
    assert client.post("/documents", content=POST, headers=right).status_code == 201
    assert client.get("/documents").status_code == 200


def test_the_app_opens_its_on_disk_store_at_startup_and_closes_it(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    with TestClient(app) as client:
        assert post_markdown(client, POST).status_code == 201
    with TestClient(app) as client:
        assert client.get("/documents").json()["total"] == 1


def test_a_document_shows_its_entities_and_facts_in_text_order(client: TestClient) -> None:
    document_id = post_markdown(client, POST).json()["id"]

    response = client.get(f"/documents/{document_id}")

    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["document"]["source"] == "posts/laurent.md"
    assert [e["key"] for e in detail["entities"]] == [
        "organization/datadog",
        "person/laurent-bernaille",
        "project/cilium",
    ]
    facts = [(f["subject"]["name"], f["predicate"], f["object"]["name"]) for f in detail["facts"]]
    assert facts == [
        ("Laurent Bernaille", "worksAt", "Datadog"),
        ("Laurent Bernaille", "contributedTo", "Cilium"),
    ]
    for fact in detail["facts"]:
        assert POST[fact["evidence"]["start"] : fact["evidence"]["end"]] == fact["evidence"]["text"]
    assert_error(client.get("/documents/nope"), 404, "not_found")
    assert_error(client.get("/documents/bad>id"), 404, "not_found")
    assert_error(client.delete("/documents/bad>id"), 404, "not_found")


def test_a_streamed_body_is_cut_off_at_the_limit(client: TestClient, memory_store: Store) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"a" * 500_000

    response = client.post("/documents", content=chunks(), headers={"Content-Type": "text/markdown"})

    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error(response, 413, "document_too_large")
    assert memory_store.documents() == []
