"""Writers and readers at once against a real server: nothing lost, no errors; and the CLI says in one
line that a running server holds the store."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app as cli_app
from tests.hostile.live_server import LiveServer

REPO = Path(__file__).resolve().parents[1]
TOKEN = "concurrency-admin"


def load_stress() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stress", REPO / "scripts" / "stress.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up by name.
    sys.modules.setdefault("stress", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("concurrency") / "data"


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[LiveServer]:
    # A generous query timeout: this test is about lost writes, not about a loaded machine's latency.
    live = LiveServer.start(data_dir, {"MKG_ADMIN_TOKEN": TOKEN, "MKG_QUERY_TIMEOUT": "120"})
    try:
        yield live
    finally:
        live.stop()


@pytest.mark.slow
def test_concurrent_writers_and_readers_lose_nothing(server: LiveServer) -> None:
    stress = load_stress()

    report = stress.run_stress(
        server.url, writers=6, readers=6, documents_per_writer=4, duration=240.0, token=TOKEN
    )

    assert report.failures == {}
    assert report.lost == []
    assert report.documents_posted == 24
    assert report.documents_found == 24
    assert report.requests["post"] == 24
    assert sum(report.requests.values()) > 24  # the readers were served too
    assert httpx.get(server.url + "/health").json()["documents"] == 24


@pytest.mark.slow
def test_the_cli_says_in_one_line_that_the_server_holds_the_store(server: LiveServer, data_dir: Path) -> None:
    post = data_dir.parent / "post.md"
    post.write_text("Laurent Bernaille works at Datadog.\n", encoding="utf-8")
    commands = (
        ["documents"],
        ["ingest", str(post)],
        ["backup", str(data_dir.parent / "b.nq")],
        ["forget", "x"],
    )
    for command in commands:
        result = CliRunner().invoke(cli_app, [*command, "--data-dir", str(data_dir)])

        assert result.exit_code == 1, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1, result.output
        assert "store_unavailable" in lines[0]
        assert "in use by another process" in lines[0]
        assert "Traceback" not in result.output
    assert httpx.get(server.url + "/health").status_code == 200


def test_stress_refuses_addresses_off_loopback() -> None:
    stress = load_stress()
    with pytest.raises(SystemExit):
        stress.check_loopback("http://example.org:8000")
    stress.check_loopback("http://127.0.0.1:8000")
    stress.check_loopback("http://[::1]:8000")
