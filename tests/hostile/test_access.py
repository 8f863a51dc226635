"""Who may write, which browsers may call, how large a request may be, how fast /sparql may be asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_extractor, get_store
from api.middleware import Rate, TokenBuckets, parse_rate
from api.settings import Settings
from graph.errors import InvalidParameter
from graph.store import Store
from tests.conftest import hand_made_extraction

DOC = "Laurent Bernaille works at Datadog.\n"


def make_app(store: Store, tmp_path: Path, **settings: object) -> FastAPI:
    app = create_app(Settings(data_dir=tmp_path / "unused", **settings))  # type: ignore[arg-type]
    app.dependency_overrides[get_store] = lambda: store
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    return app


def post(client: TestClient, headers: dict[str, str] | None = None) -> int:
    response = client.post(
        "/documents?source=a.md", content=DOC, headers={"Content-Type": "text/markdown", **(headers or {})}
    )
    return response.status_code


def test_writes_need_the_admin_token_when_one_is_set(memory_store: Store, tmp_path: Path) -> None:
    client = TestClient(make_app(memory_store, tmp_path, admin_token="s3cret"), raise_server_exceptions=False)

    assert post(client) == 401
    assert post(client, {"Authorization": "Bearer wrong"}) == 403
    assert post(client, {"Authorization": "Basic s3cret"}) == 401
    assert memory_store.documents() == []
    assert post(client, {"Authorization": "Bearer s3cret"}) == 201
    assert client.delete("/documents/a.md").status_code == 401
    assert client.post("/update", data={"update": "CLEAR ALL"}).status_code == 401
    assert len(memory_store.documents()) == 1


def test_cors_is_off_by_default(memory_store: Store, tmp_path: Path) -> None:
    client = TestClient(make_app(memory_store, tmp_path), raise_server_exceptions=False)
    response = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/sparql", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_configured_origins(memory_store: Store, tmp_path: Path) -> None:
    app = make_app(memory_store, tmp_path, cors_origins=("https://kg.example",))
    client = TestClient(app, raise_server_exceptions=False)

    allowed = client.get("/health", headers={"Origin": "https://kg.example"})
    refused = client.get("/health", headers={"Origin": "https://evil.example"})
    preflight = client.options(
        "/sparql", headers={"Origin": "https://kg.example", "Access-Control-Request-Method": "POST"}
    )

    assert allowed.headers["access-control-allow-origin"] == "https://kg.example"
    assert "access-control-allow-origin" not in refused.headers
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://kg.example"


def test_cors_origins_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"MKG_CORS_ORIGINS": "https://a.example, https://b.example ,", "MKG_SPARQL_RATE": "5/second"}
    )
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.sparql_rate == "5/second"
    assert Settings.from_env({}).cors_origins == ()


def test_oversized_headers_are_refused_with_431(memory_store: Store, tmp_path: Path) -> None:
    client = TestClient(
        make_app(memory_store, tmp_path, max_header_bytes=2048), raise_server_exceptions=False
    )
    response = client.get("/health", headers={"X-Padding": "x" * 4096})
    assert response.status_code == 431
    assert response.json()["error"] == "headers_too_large"
    assert client.get("/health").status_code == 200


def test_a_body_over_the_limit_is_refused_on_every_route(memory_store: Store, tmp_path: Path) -> None:
    client = TestClient(make_app(memory_store, tmp_path, max_body_bytes=1000), raise_server_exceptions=False)
    big = "x" * 2000
    for path, content_type in (
        ("/sparql", "application/sparql-query"),
        ("/update", "application/sparql-update"),
        ("/documents", "text/markdown"),
        ("/search", "application/json"),
    ):
        response = client.post(path, content=big, headers={"Content-Type": content_type})
        assert response.status_code == 413, path
        assert set(response.json()) == {"error", "detail"}


def test_a_chunked_body_over_the_limit_is_refused(memory_store: Store, tmp_path: Path) -> None:
    client = TestClient(make_app(memory_store, tmp_path, max_body_bytes=1000), raise_server_exceptions=False)

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b"y" * 500

    response = client.post("/documents", content=chunks(), headers={"Content-Type": "text/plain"})
    assert response.status_code == 413
    assert memory_store.documents() == []


def test_sparql_is_rate_limited_per_client_with_retry_after(memory_store: Store, tmp_path: Path) -> None:
    client = TestClient(
        make_app(memory_store, tmp_path, sparql_rate="3/minute"), raise_server_exceptions=False
    )
    query = {"query": "ASK { ?s ?p ?o }"}

    answers = [
        client.get("/sparql", params=query, headers={"Accept": "application/sparql-results+json"})
        for _ in range(4)
    ]

    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[3].status_code == 429
    assert answers[3].json()["error"] == "rate_limited"
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 20
    # Other routes are not limited.
    assert client.get("/health").status_code == 200


def test_token_buckets_refill_at_the_rate_and_are_per_client() -> None:
    now = [0.0]
    buckets = TokenBuckets(Rate(2, 10.0), clock=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(5.0)
    assert buckets.take("b") == 0
    now[0] = 5.0
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("60/minute", Rate(60, 60.0)),
        ("5/second", Rate(5, 1.0)),
        ("1000/10minutes", Rate(1000, 600.0)),
        (" 2 / hour ", Rate(2, 3600.0)),
    ],
)
def test_parse_rate_reads_count_per_period(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "60", "0/minute", "x/minute", "5/fortnight", "5/0minutes", "-1/second"])
def test_parse_rate_refuses_what_is_not_a_rate(text: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_rate(text)
