"""The interactive API docs work offline: every asset the page loads is served by the app itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_page_loads_swagger_ui_from_the_app_not_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assets += re.findall(r"""url: ['"]([^'"]+)['"]""", page.text)
    assert assets, page.text
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the app"
        assert client.get(asset).status_code == 200, asset


def test_redoc_is_not_offered(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
