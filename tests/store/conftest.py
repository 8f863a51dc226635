"""Store backends for the contract suite: in memory, on disk, and a real Oxigraph server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.store import OxigraphStore, RemoteSparqlStore, Store
from tests.net import free_port


def oxigraph_binary() -> str | None:
    """The `oxigraph` server binary: beside the running interpreter (venv) or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    return shutil.which("oxigraph")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of an Oxigraph server started for the session, stopped at teardown."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"oxigraph server exited at start: {error}")
            try:
                httpx.get(base_url + "/query", params={"query": "ASK {}"}, timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail("oxigraph server did not start within 30 s")
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


BACKENDS = [
    "memory",
    "disk",
    pytest.param("remote", marks=pytest.mark.slow),
]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each backend."""
    backend: Store
    if request.param == "memory":
        backend = OxigraphStore(None)
    elif request.param == "disk":
        backend = OxigraphStore(tmp_path / "store")
    else:
        base_url = request.getfixturevalue("oxigraph_server")
        backend = RemoteSparqlStore(base_url)
        backend.update("DROP SILENT ALL")
    try:
        yield backend
    finally:
        backend.close()
