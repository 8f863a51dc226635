"""Read answers kept until the store is written, and a server that serves its store read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.caching import CachedAnswer, ResponseCache
from api.deps import get_extractor
from api.settings import Settings
from graph.documents import read_document
from graph.errors import StoreUnavailable
from graph.ingest import ingest_document
from graph.store import open_store
from tests.api.test_documents import POST, assert_error, post_markdown
from tests.conftest import hand_made_extraction

LAURENT = "/entities/person/laurent-bernaille"
SECOND_POST = """---
title: "Laurent at KubeCon"
---
Laurent Bernaille maintains kube-proxy.
"""


def served_client(settings: Settings) -> TestClient:
    app = create_app(settings)
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[TestClient]:
    """A server over an on-disk store, with its lifespan run (the store opened as in production)."""
    with served_client(Settings(data_dir=tmp_path / "data")) as client:
        yield client


def cache_of(client: TestClient) -> ResponseCache:
    cache = client.app.state.response_cache  # type: ignore[attr-defined]
    assert isinstance(cache, ResponseCache)
    return cache


def test_a_repeated_read_is_answered_from_the_cache(live: TestClient) -> None:
    assert post_markdown(live, POST).status_code == 201
    first = live.get(LAURENT)
    hits = cache_of(live).hits
    second = live.get(LAURENT)

    assert second.status_code == 200
    assert cache_of(live).hits == hits + 1
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-type"] == "application/json"


def test_a_write_makes_cached_answers_stale(live: TestClient) -> None:
    assert post_markdown(live, POST).status_code == 201
    before = live.get(LAURENT).json()
    assert post_markdown(live, SECOND_POST, source="posts/kubecon.md").status_code == 201
    after = live.get(LAURENT).json()

    maintained = {fact["other"]["name"] for fact in after["facts_out"] if fact["predicate"] == "maintainerOf"}
    assert maintained == {"kube-proxy"}
    assert after["facts_out_total"] == before["facts_out_total"] + 1


def test_a_cached_answer_still_honours_if_none_match(live: TestClient) -> None:
    assert post_markdown(live, POST).status_code == 201
    tag = live.get(LAURENT).headers["etag"]
    response = live.get(LAURENT, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.content == b""


def test_no_cache_asks_for_a_fresh_answer(live: TestClient) -> None:
    assert post_markdown(live, POST).status_code == 201
    live.get(LAURENT)
    hits = cache_of(live).hits
    assert live.get(LAURENT, headers={"Cache-Control": "no-cache"}).status_code == 200
    assert cache_of(live).hits == hits


def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    with served_client(Settings(data_dir=tmp_path / "data", response_cache_mb=0)) as client:
        assert client.app.state.response_cache is None  # type: ignore[attr-defined]
        assert post_markdown(client, POST).status_code == 201
        assert client.get(LAURENT).status_code == 200


def test_the_cache_drops_the_least_recently_used_answer_first() -> None:
    cache = ResponseCache(30, max_entry_bytes=30)
    for key in ("a", "b", "c"):
        cache.put(key, CachedAnswer(body=b"x" * 10, headers=()))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("d", CachedAnswer(body=b"y" * 10, headers=()))

    assert cache.get("b") is None
    assert [cache.get(key) is not None for key in ("a", "c", "d")] == [True, True, True]
    assert cache.size_bytes == 30


def test_an_answer_larger_than_an_entry_may_be_is_not_kept() -> None:
    cache = ResponseCache(100, max_entry_bytes=10)
    cache.put("big", CachedAnswer(body=b"z" * 11, headers=()))
    assert cache.get("big") is None
    assert len(cache) == 0


def test_a_read_only_server_answers_reads_and_refuses_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_client(Settings(data_dir=data)) as writer:
        assert post_markdown(writer, POST).status_code == 201
    store = open_store(data)
    quads = store.triple_count()
    store.close()

    with served_client(Settings(data_dir=data, read_only=True)) as client:
        assert client.get(LAURENT).json()["name"] == "Laurent Bernaille"
        assert_error(post_markdown(client, SECOND_POST, source="posts/k.md"), 409, "read_only_store")
        assert_error(client.delete("/documents/laurent"), 409, "read_only_store")

    store = open_store(data)
    assert store.triple_count() == quads
    store.close()


def test_a_read_only_server_shares_its_store_with_another(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_client(Settings(data_dir=data)) as writer:
        assert post_markdown(writer, POST).status_code == 201
    with (
        served_client(Settings(data_dir=data, read_only=True)) as one,
        served_client(Settings(data_dir=data, read_only=True)) as two,
    ):
        assert one.get(LAURENT).json() == two.get(LAURENT).json()


def test_a_replayed_sparql_answer_keeps_its_own_headers(live: TestClient) -> None:
    from api.routes.sparql import TRUNCATED_HEADER

    assert post_markdown(live, POST).status_code == 201
    query = {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"}
    first = live.get("/sparql", params=query)
    hits = cache_of(live).hits
    second = live.get("/sparql", params=query)

    assert cache_of(live).hits == hits + 1
    assert second.content == first.content
    for header in (TRUNCATED_HEADER, "vary", "content-type", "etag"):
        assert second.headers[header] == first.headers[header]


def test_a_store_served_read_only_cannot_be_opened_for_writing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_client(Settings(data_dir=data)) as writer:
        assert post_markdown(writer, POST).status_code == 201
    with served_client(Settings(data_dir=data, read_only=True)) as reader:
        with pytest.raises(StoreUnavailable, match="read-only"):
            open_store(data)
        assert reader.get(LAURENT).status_code == 200
    open_store(data).close()  # once the reader is gone, writing is possible again


def test_a_store_open_for_writing_cannot_be_opened_read_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    writer = open_store(data)
    try:
        ingest_document(read_document(POST, "posts/laurent.md"), writer, extractor=hand_made_extraction)
        with pytest.raises(StoreUnavailable, match="writes to it"):
            open_store(data, read_only=True)
    finally:
        writer.close()
    open_store(data, read_only=True).close()
