"""FastAPI dependencies as Annotated aliases; tests swap them with `app.dependency_overrides`."""

from __future__ import annotations

import hmac
import threading
from typing import Annotated

from fastapi import Depends, Header, Request

from api.settings import Settings
from graph.errors import Forbidden, ReadOnlyStore, StoreUnavailable, Unauthorized
from graph.ingest import Extractor
from graph.store.base import Store


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    """The store opened at startup."""
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("The store is not open; restart the server and check its log.")
    return store


class StoreWrites:
    """The gate every write through the server passes: one at a time.

    A read-only server refuses every write here, before it reaches the store.
    """

    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self._lock = threading.Lock()

    def __enter__(self) -> StoreWrites:
        if self.read_only:
            raise ReadOnlyStore(
                "This server serves the store read-only (it runs several worker processes); "
                "stop it and write with `mkg ingest`, or run `mkg serve --workers 1` to write through it."
            )
        self._lock.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def get_write_lock(request: Request) -> StoreWrites:
    """The gate that serialises writes (the embedded store has a single writer)."""
    writes: StoreWrites = request.app.state.write_lock
    return writes


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
WriteLockDep = Annotated[StoreWrites, Depends(get_write_lock)]


def require_admin(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> None:
    """Refuse a write unless it carries the admin token (only when MKG_ADMIN_TOKEN is set)."""
    if not settings.admin_token:
        return
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("This server requires `Authorization: Bearer <MKG_ADMIN_TOKEN>` to change data.")
    given = authorization[len("bearer ") :].strip()
    if not hmac.compare_digest(given.encode("utf-8"), settings.admin_token.encode("utf-8")):
        raise Forbidden("The admin token is wrong; use the value of MKG_ADMIN_TOKEN set on the server.")


AdminDep = Annotated[None, Depends(require_admin)]


def get_extractor() -> Extractor:
    """The function that reads facts from a document (spaCy is loaded on first use)."""
    from graph.extraction import extract

    return extract


ExtractorDep = Annotated[Extractor, Depends(get_extractor)]


def request_media_type(request: Request) -> str:
    """The media type of a request's body, lower case, without parameters ('' when none is given)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()
