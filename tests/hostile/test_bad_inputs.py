"""The bad-input corpus (inputs/manifest.json) through POST /documents and `mkg ingest`: each input is
refused with its error code, or stored under a safe id, and a refusal leaves the store as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from api.deps import get_extractor, get_store
from api.settings import Settings
from graph.backup import dump_nquads
from graph.documents import read_document
from graph.ingest import ingest_document
from graph.store import Store, open_store
from graph.vocab import DATA
from tests.conftest import hand_made_extraction

INPUTS = Path(__file__).resolve().parent / "inputs"
MANIFEST: dict[str, Any] = json.loads((INPUTS / "manifest.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["cases"]
HUGE_BYTES = 20_000_000
SEED = "Thomas Graf created Cilium, Cilium was created by Thomas Graf.\n"


def generated(kind: str) -> bytes:
    if kind in ("huge", "huge-chunked"):
        line = b"Laurent Bernaille works at Datadog.\n"
        return line * (HUGE_BYTES // len(line) + 1)
    if kind == "invalid-utf8":
        return b"Laurent Bernaille works at Caf\xe9 \xff\xfe \xc3\x28.\n"
    if kind == "utf16":
        return "Laurent Bernaille works at Datadog.\n".encode("utf-16")
    if kind == "bad-json":
        return b'{"text": "unterminated'
    if kind == "deep-json":
        return b"[" * 100_000 + b"]" * 100_000
    if kind == "json-number":
        return b'{"text": 12345, "source": "x.md"}'
    raise AssertionError(f"unknown generated input {kind}")


def body_of(case: dict[str, Any]) -> bytes:
    return (INPUTS / case["file"]).read_bytes() if "file" in case else generated(case["generate"])


def seeded(store: Store) -> Store:
    ingest_document(read_document(SEED, "seed.md"), store, extractor=hand_made_extraction)
    return store


@pytest.fixture
def client(memory_store: Store, tmp_path: Path) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path / "unused"))
    app.dependency_overrides[get_store] = lambda: seeded(memory_store)
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    seeded(memory_store)
    return TestClient(app, raise_server_exceptions=False)


def _param(case: dict[str, Any]) -> Any:
    # A known gap is expected to fail until it is fixed; strict, so the fix is noticed.
    marks = [pytest.mark.xfail(strict=True, reason=case["known_gap"])] if case.get("known_gap") else []
    return pytest.param(case, id=case["name"], marks=marks)


API_CASES = [_param(case) for case in CASES if case.get("api")]
CLI_CASES = [case for case in CASES if case.get("cli")]


@pytest.mark.parametrize("case", API_CASES)
def test_post_documents_answers_each_hostile_input_as_the_manifest_says(
    case: dict[str, Any], client: TestClient, memory_store: Store
) -> None:
    before = dump_nquads(memory_store)
    headers = {}
    content_type = case.get("content_type", "text/markdown")
    if content_type:
        headers["Content-Type"] = content_type
    params = {"source": case["source"]} if "source" in case else {}
    body = body_of(case)
    content: bytes | Iterator[bytes] = body
    if case.get("generate") == "huge-chunked":
        content = (body[i : i + 1_000_000] for i in range(0, len(body), 1_000_000))
    if not content_type:
        # httpx adds no Content-Type to raw bytes; make sure none is sent.
        headers = {}

    response = client.post("/documents", content=content, params=params, headers=headers)

    expected = case["api"]
    assert response.status_code == expected["status"], response.text
    payload = response.json()
    if expected["status"] >= 400:
        assert set(payload) == {"error", "detail"}
        assert payload["error"] == expected["error"]
        assert payload["detail"].strip()
        assert dump_nquads(memory_store) == before
    else:
        assert payload["id"] == expected["id"]
        assert ".." not in payload["id"] and not payload["id"].startswith("/")
        assert payload["iri"] == f"{DATA}document/{expected['id']}"


@pytest.mark.parametrize(
    "path",
    [
        "/documents/../../etc/passwd",
        "/documents/%2e%2e/%2e%2e/etc/passwd",
        "/documents/..%2F..%2Fetc%2Fpasswd",
        "/documents/<script>",
        "/documents/a%00b",
        "/entities/..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_traversal_in_ids_finds_nothing_and_deletes_nothing(
    path: str, client: TestClient, memory_store: Store
) -> None:
    before = dump_nquads(memory_store)
    for method in ("GET", "DELETE"):
        response = client.request(method, path)
        assert response.status_code in (400, 404, 405), (method, path, response.text)
        assert set(response.json()) == {"error", "detail"}
    assert dump_nquads(memory_store) == before


@pytest.fixture
def hand_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graph.extraction.extract", hand_made_extraction)
    for name in ("MKG_DATA_DIR", "MKG_STORE", "MKG_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("case", CLI_CASES, ids=[c["name"] for c in CLI_CASES])
def test_mkg_ingest_answers_each_hostile_file_as_the_manifest_says(
    case: dict[str, Any], tmp_path: Path, hand_made: None
) -> None:
    data = tmp_path / "data"
    store = seeded(open_store(data))
    before = dump_nquads(store)
    store.close()
    folder = tmp_path / "in"
    folder.mkdir()
    name = case.get("rename") or case.get("source") or case.get("file") or f"{case['generate']}.md"
    file = folder / name
    file.write_bytes(body_of(case))

    result = CliRunner().invoke(cli_app, ["ingest", str(file), "--data-dir", str(data)])

    expected = case["cli"]
    assert result.exit_code == expected["exit"], result.output
    assert expected["message"] in result.output
    assert "Traceback" not in result.output
    store = open_store(data)
    try:
        after = dump_nquads(store)
        if expected["exit"]:
            assert after == before
        else:
            assert len(store.documents()) > 1
            assert all(".." not in iri for iri in store.documents())
    finally:
        store.close()
