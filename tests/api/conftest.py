"""An app over an in-memory store with the hand-made extractor, and a client for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_extractor, get_store
from api.settings import Settings
from graph.store import Store
from tests.conftest import hand_made_extraction


@pytest.fixture
def app(memory_store: Store, tmp_path: Path) -> FastAPI:
    app = create_app(Settings(data_dir=tmp_path / "unused"))
    app.dependency_overrides[get_store] = lambda: memory_store
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # Without a `with` block the lifespan does not run: the overridden store is the only one.
    return TestClient(app, raise_server_exceptions=False)
