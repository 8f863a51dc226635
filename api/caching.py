"""Read responses: pages with `Link` headers, and ETag / Cache-Control with 304 on `If-None-Match`."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

# Reads may be reused for a minute; after that a client revalidates with If-None-Match.
READ_CACHE_CONTROL = "public, max-age=60"

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list; the `Link` header holds the URLs of the next and previous pages."""

    items: list[Item]
    total: int = Field(description="Items over all pages.")
    limit: int = Field(description="Page size asked for.")
    offset: int = Field(description="Items skipped before this page.")


def page_links(request: Request, total: int, limit: int, offset: int) -> str | None:
    """The RFC 8288 `Link` header value for a page: next and prev when there are such pages."""
    links = []
    if offset + limit < total:
        links.append((request.url.include_query_params(limit=limit, offset=offset + limit), "next"))
    if offset > 0:
        previous = max(0, min(offset - limit, max(total - limit, 0)))
        links.append((request.url.include_query_params(limit=limit, offset=previous), "prev"))
    return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links) or None


def add_page_links(request: Request, response: Response, total: int, limit: int, offset: int) -> None:
    """Set the `Link` header of a page response (nothing when it is the only page)."""
    links = page_links(request, total, limit, offset)
    if links is not None:
        response.headers["Link"] = links


def entity_tag(body: bytes) -> str:
    """A weak ETag for a response body: a hash of its bytes."""
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches_entity_tag(if_none_match: str, tag: str) -> bool:
    """True when an `If-None-Match` header names `tag` (weak comparison) or is `*`."""
    wanted = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


NOT_MODIFIED = {
    "description": "Unchanged since the ETag sent in `If-None-Match`: no body, the same ETag.",
    "headers": {"ETag": {"description": "Weak hash of the body.", "schema": {"type": "string"}}},
}


# Response headers made afresh for a replayed body rather than kept with it.
_FRESH_HEADERS = frozenset({"content-length", "date", "server", "set-cookie"})


@dataclass(frozen=True)
class CachedAnswer:
    """A read answer kept for replay: its body and the headers that go with it."""

    body: bytes
    headers: tuple[tuple[str, str], ...]


class ResponseCache:
    """Read answers by request, least recently used dropped first, within `max_bytes` of bodies.

    Entries are keyed by the count of writes the store has taken (`OxigraphStore.write_count`), so a
    write makes every earlier answer unreachable; those age out as new ones come in.
    """

    def __init__(self, max_bytes: int, *, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        # One answer may take at most an eighth of the budget, so a few huge ones cannot flush it.
        self.max_entry_bytes = max_entry_bytes if max_entry_bytes is not None else max_bytes // 8
        self._entries: OrderedDict[Hashable, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> CachedAnswer | None:
        """The answer kept for `key`, now the most recently used; None (a miss) otherwise."""
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Hashable, answer: CachedAnswer) -> None:
        """Keep `answer` for `key` unless it is larger than one entry may be."""
        size = len(answer.body)
        if size > self.max_entry_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous.body)
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """Bytes of bodies held."""
        return self._bytes


def _cache_key(request: Request) -> Hashable | None:
    """What identifies a read answer: the store's write count, the URL and the negotiated headers.

    None when the answer must not be served from the cache: no cache, a store that cannot tell when
    it was written (a remote server others may write to), or a client asking for a fresh answer
    (`Cache-Control: no-cache`).
    """
    cache = getattr(request.app.state, "response_cache", None)
    store = getattr(request.app.state, "store", None)
    if cache is None or store is None:
        return None
    if "no-cache" in request.headers.get("cache-control", "").lower():
        return None
    # Only a store this process alone writes counts its writes (the embedded one).
    write_count = getattr(store, "write_count", None)
    if not isinstance(write_count, int):
        return None
    return (
        write_count,
        str(request.url),
        request.headers.get("accept", ""),
        request.headers.get("accept-language", ""),
    )


def _not_modified_or(request: Request, response: Response) -> Response:
    tag = response.headers.get("etag")
    if tag is not None and matches_entity_tag(request.headers.get("if-none-match", ""), tag):
        kept = {
            name: value
            for name, value in response.headers.items()
            if name.lower() in ("etag", "cache-control", "link", "vary")
        }
        return Response(status_code=304, headers=kept)
    return response


class CachedRoute(APIRoute):
    """A route whose successful GET answers carry an ETag and Cache-Control, and 304 when unchanged."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "GET" in {method.upper() for method in kwargs.get("methods") or ()}:
            kwargs["responses"] = {**(kwargs.get("responses") or {}), 304: NOT_MODIFIED}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def cached_handler(request: Request) -> Response:
            key = _cache_key(request) if request.method in ("GET", "HEAD") else None
            cache: ResponseCache | None = request.app.state.response_cache if key is not None else None
            if cache is not None:
                answer = cache.get(key)
                if answer is not None:
                    replayed = Response(content=answer.body, status_code=200)
                    for name, value in answer.headers:
                        replayed.headers[name] = value
                    return _not_modified_or(request, replayed)
            response = await handler(request)
            if request.method not in ("GET", "HEAD") or response.status_code != 200:
                return response
            body = getattr(response, "body", None)
            if not isinstance(body, bytes):
                return response
            response.headers["ETag"] = entity_tag(body)
            response.headers.setdefault("Cache-Control", READ_CACHE_CONTROL)
            if cache is not None:
                headers = tuple(
                    (name, value)
                    for name, value in response.headers.items()
                    if name.lower() not in _FRESH_HEADERS
                )
                cache.put(key, CachedAnswer(body=body, headers=headers))
            return _not_modified_or(request, response)

        return cached_handler


def error_example(description: str, code: str, detail: str) -> dict[str, Any]:
    """An OpenAPI `responses=` entry for an error, with an example of its JSON body."""
    return {
        "description": description,
        "content": {"application/json": {"example": {"error": code, "detail": detail}}},
    }


def json_example(description: str, example: Any) -> dict[str, Any]:
    """An OpenAPI `responses=` entry for a JSON answer, with an example body."""
    return {"description": description, "content": {"application/json": {"example": example}}}
