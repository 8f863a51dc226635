"""Read responses: pages with `Link` headers, and ETag / Cache-Control with 304 on `If-None-Match`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
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


class CachedRoute(APIRoute):
    """A route whose successful GET answers carry an ETag and Cache-Control, and 304 when unchanged."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "GET" in {method.upper() for method in kwargs.get("methods") or ()}:
            kwargs["responses"] = {**(kwargs.get("responses") or {}), 304: NOT_MODIFIED}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def cached_handler(request: Request) -> Response:
            response = await handler(request)
            if request.method not in ("GET", "HEAD") or response.status_code != 200:
                return response
            body = getattr(response, "body", None)
            if not isinstance(body, bytes):
                return response
            tag = entity_tag(body)
            response.headers["ETag"] = tag
            response.headers.setdefault("Cache-Control", READ_CACHE_CONTROL)
            if matches_entity_tag(request.headers.get("if-none-match", ""), tag):
                kept = {
                    name: value
                    for name, value in response.headers.items()
                    if name.lower() in ("etag", "cache-control", "link", "vary")
                }
                return Response(status_code=304, headers=kept)
            return response

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
