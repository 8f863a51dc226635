"""A real server with a small graph, and headless Chromium (the system one) to drive the explorer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Response

from api.app import create_app
from api.deps import get_extractor, get_store
from api.routes.explorer import has_route
from api.settings import Settings
from graph.documents import read_document
from graph.ingest import store_extraction
from graph.store import Store, open_memory_store
from tests.conftest import hand_made_extraction
from tests.net import free_port

CHROMIUM = Path("/usr/bin/chromium")
# No downloads, no background traffic: the browser talks only to the test server.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Two small documents the hand-made extractor reads: 5 entities, 4 facts, one line of evidence each.
SAMPLE_DOCUMENTS: dict[str, str] = {
    "blog/meet-laurent.md": """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
**What do you work on?**

Laurent Bernaille is a staff engineer at Datadog.

Laurent Bernaille contributed to Cilium for years.

Laurent Bernaille also became a maintainer of kube-proxy.
""",
    "blog/cilium-history.md": """---
title: "A short history of Cilium"
date: 2023-01-10
---
Cilium was started by Thomas Graf in 2015.
""",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the explorer page in headless Chromium")


def sample_store() -> Store:
    """An in-memory store holding SAMPLE_DOCUMENTS as read by the hand-made extractor."""
    store = open_memory_store()
    for source, text in SAMPLE_DOCUMENTS.items():
        store_extraction(hand_made_extraction(read_document(text, source)), store)
    return store


def add_stand_in_export(app: FastAPI) -> None:
    """Give the app an /export route when it has none, so the page's export links can be followed."""
    if has_route(app, "/export"):
        return

    @app.get("/export")
    def stand_in_export(format: str, types: str | None = None, predicates: str | None = None) -> Response:
        body = f"format={format}\ntypes={types}\npredicates={predicates}\n"
        return Response(
            body,
            media_type="text/plain",
            headers={"Content-Disposition": f'attachment; filename="x.{format}"'},
        )

    app.openapi_schema = None  # the schema was built without the route


class ServerThread:
    """uvicorn serving an app on a loopback port, in a daemon thread."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="explorer-server", daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def explorer_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real server over the sample store (with an /export route)."""
    store = sample_store()
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("unused-data")))
    app.dependency_overrides[get_store] = lambda: store
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    add_stand_in_export(app)
    with ServerThread(app) as server:
        yield server.url
    store.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless system Chromium; the tests skip when it or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; install Chromium to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, explorer_url: str) -> Iterator[Any]:
    """A fresh tab on the explorer, once it has drawn its first view; fails the test on a script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 850}, accept_downloads=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(explorer_url + "/")
    tab.wait_for_selector("body[data-ready=true]")
    yield tab
    context.close()
    assert not errors, f"script errors on the page: {errors}"
