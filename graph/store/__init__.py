"""Where the graph lives: an embedded Oxigraph store or a remote SPARQL server."""

from __future__ import annotations

from pathlib import Path

from graph.store.base import SelectResult, Store, Term
from graph.store.oxigraph import OxigraphStore
from graph.store.sparql import RemoteSparqlStore

__all__ = [
    "OxigraphStore",
    "RemoteSparqlStore",
    "SelectResult",
    "Store",
    "Term",
    "open_memory_store",
    "open_store",
]


def open_store(location: str | Path, *, read_only: bool = False) -> Store:
    """An http(s) URL opens the remote SPARQL backend; anything else is a directory for Oxigraph.

    `read_only` opens a directory without locking it (writes then raise ReadOnlyStore); it does not
    apply to a remote server. Raises StoreUnavailable when the directory is locked by another process
    or cannot be opened.
    """
    text = str(location)
    if text.startswith(("http://", "https://")):
        return RemoteSparqlStore(text)
    return OxigraphStore(Path(location), read_only=read_only)


def open_memory_store() -> Store:
    """An empty in-memory Oxigraph store (tests and tools)."""
    return OxigraphStore(None)
