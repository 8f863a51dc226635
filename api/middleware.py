"""Limits applied before any route runs: header and body size, a per-client rate on /sparql, and CORS."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from api.settings import Settings
from graph.errors import DocumentTooLarge, InvalidParameter, RequestTooLarge

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
# Clients remembered by the rate limiter; the least recently seen are forgotten first, so a flood of
# distinct addresses cannot grow memory without bound.
MAX_TRACKED_CLIENTS = 10_000
RATE_LIMITED_PATHS = ("/sparql",)


@dataclass(frozen=True)
class Rate:
    """`requests` allowed per `period` seconds, with bursts of up to `requests`."""

    requests: int
    period: float

    @property
    def per_second(self) -> float:
        return self.requests / self.period


def parse_rate(text: str) -> Rate:
    """A rate such as `60/minute`, `5/second` or `1000/10minutes`; raises InvalidParameter otherwise."""
    match = _RATE.match(text)
    if match is None or int(match.group(1)) <= 0:
        raise InvalidParameter(
            f"MKG_SPARQL_RATE={text!r} is not a rate; write it as COUNT/PERIOD, e.g. 60/minute or 5/second."
        )
    multiple = int(match.group(2)) if match.group(2) else 1
    if multiple <= 0:
        raise InvalidParameter(f"MKG_SPARQL_RATE={text!r}: the period must be positive.")
    return Rate(int(match.group(1)), multiple * _PERIODS[match.group(3).lower()])


class TokenBuckets:
    """One token bucket per client: each request takes a token; tokens come back at the rate."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take a token for `client`; 0 when granted, else the seconds until one is available."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(client, (float(self.rate.requests), now))
            tokens = min(float(self.rate.requests), tokens + (now - at) * self.rate.per_second)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate.per_second
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > MAX_TRACKED_CLIENTS:
                self._buckets.popitem(last=False)
            return wait


class RequestLimits:
    """ASGI middleware: refuse oversized headers (431) and bodies (413), and rate-limit /sparql (429)."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_header_bytes: int, buckets: TokenBuckets | None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        header_bytes = sum(len(name) + len(value) + 4 for name, value in headers)
        if header_bytes > self.max_header_bytes:
            response = error_response(
                431,
                "headers_too_large",
                f"The request headers take {header_bytes} bytes, over the limit of {self.max_header_bytes} "
                "(MKG_MAX_HEADER_BYTES); send fewer or shorter headers.",
            )
            await response(scope, receive, send)
            return
        declared = _content_length(headers)
        if declared is not None and declared > self.max_body_bytes:
            code = _too_large(scope).code
            response = error_response(
                413,
                code,
                f"The request body is {declared} bytes, over the limit of {self.max_body_bytes} "
                "(MKG_MAX_BODY_BYTES); send less.",
            )
            await response(scope, receive, send)
            return
        if self.buckets is not None and scope.get("path", "") in RATE_LIMITED_PATHS:
            client = scope.get("client")
            wait = self.buckets.take(client[0] if client else "unknown")
            if wait > 0:
                rate = self.buckets.rate
                response = error_response(
                    429,
                    "rate_limited",
                    f"Too many queries from this client (limit {rate.requests} per {rate.period:g} s, "
                    f"MKG_SPARQL_RATE); retry in {math.ceil(wait)} s.",
                )
                response.headers["Retry-After"] = str(math.ceil(wait))
                await response(scope, receive, send)
                return
        await self.app(scope, self._bounded(receive, _too_large(scope)), send)

    def _bounded(self, receive: Receive, error: type[RequestTooLarge | DocumentTooLarge]) -> Receive:
        """`receive` that fails once a body without (or under-declaring) its length passes the limit."""
        seen = 0
        limit = self.max_body_bytes

        async def bounded_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the route's body read, so the error handlers turn it into JSON.
                    raise error(
                        f"The request body is larger than {limit} bytes (MKG_MAX_BODY_BYTES); send less."
                    )
            return message

        return bounded_receive


def _too_large(scope: Scope) -> type[RequestTooLarge | DocumentTooLarge]:
    # A document over the limit is reported as such, as the documents route itself does.
    return DocumentTooLarge if str(scope.get("path", "")).startswith("/documents") else RequestTooLarge


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Add the request limits, and CORS when MKG_CORS_ORIGINS names origins (off by default)."""
    buckets = TokenBuckets(parse_rate(settings.sparql_rate)) if settings.sparql_rate else None
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        buckets=buckets,
    )
    if settings.cors_origins:
        # Added last, so it runs first: refusals above still carry the CORS headers the browser needs.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            expose_headers=["Link", "Location", "Retry-After", "ETag"],
            max_age=600,
        )
