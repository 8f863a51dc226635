"""Fuzz every operation of the OpenAPI schema in-process: no 5xx, and every error is `{"error", "detail"}`.

The app runs over an in-memory store with the hand-made extractor; a timeout (503 query_timeout) is
the one server-side status allowed, as the query endpoint promises it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402

from api.app import create_app  # noqa: E402
from api.deps import get_extractor, get_store  # noqa: E402
from api.settings import Settings  # noqa: E402
from graph.documents import read_document  # noqa: E402
from graph.ingest import ingest_document  # noqa: E402
from graph.store import open_memory_store  # noqa: E402
from tests.conftest import hand_made_extraction  # noqa: E402

SEED = """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
Laurent Bernaille works at Datadog.
Laurent Bernaille contributed to Cilium.
Cilium was created by Thomas Graf.
"""

STORE = open_memory_store()
ingest_document(read_document(SEED, "seed.md"), STORE, extractor=hand_made_extraction)
# The transport runs the app's lifespan, which opens the settings' store: keep it out of the checkout.
DATA_DIR = Path(tempfile.mkdtemp(prefix="mkg-fuzz-"))
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
APP = create_app(Settings(data_dir=DATA_DIR / "unused", query_timeout=5.0, max_rows=100))
APP.dependency_overrides[get_store] = lambda: STORE
APP.dependency_overrides[get_extractor] = lambda: hand_made_extraction

TEXT_MEDIA_TYPES = (
    "application/sparql-query",
    "application/sparql-update",
    "text/markdown",
    "text/x-markdown",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "text/csv",
    "text/tab-separated-values",
)


@schemathesis.serializer(*TEXT_MEDIA_TYPES)
def as_text(_: object, value: object) -> bytes:
    # These bodies are text; whatever was generated is sent as its string form.
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8")


schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Examples per operation: with about thirty operations the run stays well under a minute. Raise it for
# a longer hunt, e.g. MKG_FUZZ_EXAMPLES=200.
EXAMPLES = int(os.environ.get("MKG_FUZZ_EXAMPLES", "10"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_no_operation_fails_on_the_server_and_errors_are_json(case: Any) -> None:
    response = case.call()

    status = response.status_code
    body = response.content
    if status >= 400 and case.method.upper() != "HEAD":  # a HEAD answer has no body
        payload = json.loads(body)
        assert isinstance(payload, dict) and set(payload) == {"error", "detail"}, (
            case.path,
            status,
            body[:300],
        )
        assert isinstance(payload["error"], str) and isinstance(payload["detail"], str)
        assert payload["detail"].strip()
    timed_out = status == 503 and (
        case.method.upper() == "HEAD" or json.loads(body)["error"] == "query_timeout"
    )
    assert status < 500 or timed_out, (
        case.method,
        case.formatted_path,
        status,
        body[:300],
    )
