"""Configuration of the API and the CLI, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from graph.errors import InvalidParameter

DEFAULT_MAX_BODY_BYTES = 5_000_000
DEFAULT_QUERY_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_QUERY_CHARS = 100_000
DEFAULT_QUERY_WORKERS = 2
DEFAULT_MAX_HEADER_BYTES = 16_384
DEFAULT_RESPONSE_CACHE_MB = 64


@dataclass(frozen=True)
class Settings:
    """Where the store is and the limits the API enforces.

    `store_url` (a remote SPARQL 1.1 server) wins over `data_dir` (the embedded on-disk store).
    `admin_token`, when set, is required as `Authorization: Bearer <token>` to add or delete documents.
    """

    data_dir: Path = Path("data")
    store_url: str | None = None
    admin_token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    query_timeout: float = DEFAULT_QUERY_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_query_chars: int = DEFAULT_MAX_QUERY_CHARS
    query_workers: int = DEFAULT_QUERY_WORKERS
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API; none by default
    sparql_rate: str | None = None  # per-client limit on /sparql, e.g. "60/minute"; none by default
    # Answers of read routes kept per store state, in MiB; 0 turns it off. Only for the embedded store:
    # a remote server may be written by others, so nothing says when an answer goes stale.
    response_cache_mb: int = DEFAULT_RESPONSE_CACHE_MB
    # Open the embedded store without its lock, refusing writes: how several server processes share it.
    read_only: bool = False

    @property
    def caches_responses(self) -> bool:
        """True when read answers may be kept until the next write through this server."""
        return self.response_cache_mb > 0 and not self.store_url

    @property
    def store_location(self) -> str | Path:
        """What `graph.store.open_store` is given."""
        return self.store_url or self.data_dir

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from MKG_DATA_DIR, MKG_STORE, MKG_ADMIN_TOKEN, MKG_MAX_BODY_BYTES, MKG_QUERY_TIMEOUT,
        MKG_MAX_ROWS, MKG_MAX_QUERY_CHARS, MKG_QUERY_WORKERS, MKG_MAX_HEADER_BYTES, MKG_CORS_ORIGINS
        (comma-separated), MKG_SPARQL_RATE (COUNT/PERIOD), MKG_RESPONSE_CACHE_MB (0 turns the cache off)
        and MKG_READ_ONLY (1/true); unset or empty variables keep their defaults."""
        env = os.environ if environ is None else environ

        def value(name: str) -> str | None:
            raw = env.get(name, "").strip()
            return raw or None

        def number(name: str, default: float, kind: type[int] | type[float]) -> float:
            raw = value(name)
            if raw is None:
                return default
            try:
                parsed = kind(raw)
            except ValueError:
                raise InvalidParameter(
                    f"{name}={raw!r} is not a number; set it to a positive {kind.__name__}."
                ) from None
            if parsed <= 0:
                raise InvalidParameter(f"{name}={raw!r} must be positive.")
            return parsed

        return cls(
            data_dir=Path(value("MKG_DATA_DIR") or "data"),
            store_url=value("MKG_STORE"),
            admin_token=value("MKG_ADMIN_TOKEN"),
            max_body_bytes=int(number("MKG_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, int)),
            query_timeout=float(number("MKG_QUERY_TIMEOUT", DEFAULT_QUERY_TIMEOUT, float)),
            max_rows=int(number("MKG_MAX_ROWS", DEFAULT_MAX_ROWS, int)),
            max_query_chars=int(number("MKG_MAX_QUERY_CHARS", DEFAULT_MAX_QUERY_CHARS, int)),
            query_workers=int(number("MKG_QUERY_WORKERS", DEFAULT_QUERY_WORKERS, int)),
            max_header_bytes=int(number("MKG_MAX_HEADER_BYTES", DEFAULT_MAX_HEADER_BYTES, int)),
            cors_origins=tuple(o.strip() for o in (value("MKG_CORS_ORIGINS") or "").split(",") if o.strip()),
            sparql_rate=value("MKG_SPARQL_RATE"),
            response_cache_mb=_cache_size(value("MKG_RESPONSE_CACHE_MB")),
            read_only=_flag("MKG_READ_ONLY", value("MKG_READ_ONLY")),
        )


def _cache_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_RESPONSE_CACHE_MB
    if not raw.isdigit():
        raise InvalidParameter(
            f"MKG_RESPONSE_CACHE_MB={raw!r} is not a whole number; set it to the MiB to use, or 0 for none."
        )
    return int(raw)


def _flag(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise InvalidParameter(f"{name}={raw!r} is not a yes/no value; set it to 1 or 0.")
