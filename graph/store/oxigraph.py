"""The embedded backend: an Oxigraph store in a directory, or in memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph
from rdflib import XSD

from graph.errors import InvalidQuery, StoreUnavailable
from graph.store.base import SelectResult, Term
from graph.store.media import (
    GRAPH_MEDIA_TYPES,
    NAMED_QUAD_COUNT,
    REBUILD_UNION,
    RESULTS_MEDIA_TYPES,
    checked_iri,
    checked_ntriples,
    drop_graph_update,
    negotiate,
    replace_graph_update,
    with_union_rebuilt,
)

_XSD_BOOLEAN = str(XSD.boolean)


class OxigraphStore:
    """A quad store holding one named graph per document; the default graph is their merge.

    `path=None` keeps everything in memory. A directory is opened read-write and locked: one process
    at a time. Every write keeps the default graph equal to the set union of the named graphs, so
    queries see each triple once however many documents state it.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._store: pyoxigraph.Store | None
        # Counting scans the store; this process is the only writer (the directory is locked), so a
        # count stays right until the next write, which bumps the generation.
        self._count: tuple[int, int] | None = None  # (generation, count)
        self._generation = 0
        if self.path is None:
            self._store = pyoxigraph.Store()
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store = pyoxigraph.Store(str(self.path))
        except OSError as error:
            raise StoreUnavailable(_open_failure(self.path, error)) from error
        if self._union_is_missing():
            self.rebuild_union()

    @property
    def _live(self) -> pyoxigraph.Store:
        if self._store is None:
            raise StoreUnavailable("The store is closed; open it again with graph.store.open_store.")
        return self._store

    def add_document(self, graph_iri: str, ntriples: str) -> None:
        """Replace the named graph `graph_iri` with these N-Triples, atomically."""
        update = replace_graph_update(graph_iri, checked_ntriples(ntriples))
        # One update request is one transaction: readers see the old graph or the new one.
        self._run_update(update)

    def drop_document(self, graph_iri: str) -> bool:
        """Remove a document's graph; False when it was not there."""
        node = pyoxigraph.NamedNode(checked_iri(graph_iri))
        if not self._live.contains_named_graph(node):
            return False
        self._run_update(drop_graph_update(node.value))
        return True

    def has_document(self, graph_iri: str) -> bool:
        """True when the named graph exists."""
        return bool(self._live.contains_named_graph(pyoxigraph.NamedNode(checked_iri(graph_iri))))

    def documents(self) -> list[str]:
        """IRIs of all named graphs, sorted."""
        return sorted(
            graph.value for graph in self._live.named_graphs() if isinstance(graph, pyoxigraph.NamedNode)
        )

    def select(self, sparql: str) -> SelectResult:
        """Run a SELECT (or ASK, as one row {"boolean": ...}) over the union default graph."""
        result = self._query(sparql)
        try:
            if isinstance(result, pyoxigraph.QueryBoolean):
                return select_result_from_json({"boolean": bool(result)})
            if isinstance(result, pyoxigraph.QuerySolutions):
                data = result.serialize(format=pyoxigraph.QueryResultsFormat.JSON) or b"{}"
                return select_result_from_json(json.loads(data))
        finally:
            del result  # see _query
        raise InvalidQuery("select() runs SELECT and ASK queries; use query_raw for CONSTRUCT or DESCRIBE.")

    def query_raw(self, sparql: str, accept: str) -> tuple[bytes, str]:
        """Run any query form; return the serialized result and its media type."""
        result = self._query(sparql)
        try:
            if isinstance(result, pyoxigraph.QueryTriples):
                media_type = negotiate(accept, graph_result=True)
                data = result.serialize(format=GRAPH_MEDIA_TYPES[media_type])
            else:
                media_type = negotiate(accept, graph_result=False)
                data = result.serialize(format=RESULTS_MEDIA_TYPES[media_type])
        finally:
            del result  # see _query
        return (data or b""), media_type

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update on the document graphs, then recompute the default graph.

        Both happen in one transaction; what the update writes to the default graph itself is replaced.
        """
        self._run_update(with_union_rebuilt(sparql))

    def rebuild_union(self) -> None:
        """Recompute the default graph as the merge of all document graphs."""
        self._run_update(REBUILD_UNION)

    def triple_count(self) -> int:
        """Number of quads in the document graphs (the default graph's copies are not counted)."""
        generation = self._generation
        if self._count is not None and self._count[0] == generation:
            return self._count[1]
        rows = self.select(NAMED_QUAD_COUNT).rows
        count = int(rows[0]["n"]["value"]) if rows else 0
        if self._generation == generation:
            self._count = (generation, count)
        return count

    def close(self) -> None:
        """Flush and release the store (and, on disk, its lock)."""
        if self._store is None:
            return
        if self.path is not None:
            self._store.flush()
        # Dropping the last reference releases the RocksDB lock.
        self._store = None

    def _query(self, sparql: str) -> Any:
        """The lazy pyoxigraph result of a query.

        Results may only be freed on the thread that made them: callers delete their reference before
        an exception leaves, or its traceback would carry the result to another thread (the API runs
        queries on a worker pool).
        """
        try:
            return self._live.query(sparql)
        except SyntaxError as error:
            raise InvalidQuery(f"The SPARQL query does not parse: {error}") from error
        except OSError as error:
            raise StoreUnavailable(f"The store could not be read: {error}") from error

    def _run_update(self, sparql: str) -> None:
        self._generation += 1
        try:
            self._live.update(sparql)
        except SyntaxError as error:
            raise InvalidQuery(f"The SPARQL update does not parse: {error}") from error
        except OSError as error:
            raise StoreUnavailable(f"The store could not be written: {error}") from error
        finally:
            # A count taken while the update ran may predate it.
            self._generation += 1

    def _union_is_missing(self) -> bool:
        # A store written before the default graph was kept as the merge has only named graphs.
        store = self._live
        has_default = bool(store.query("ASK { ?s ?p ?o }"))
        return not has_default and bool(store.query("ASK { GRAPH ?g { ?s ?p ?o } }"))


def select_result_from_json(payload: dict[str, Any]) -> SelectResult:
    """A SelectResult from a SPARQL 1.1 JSON results document (SELECT or ASK)."""
    if "boolean" in payload:
        value = "true" if payload["boolean"] else "false"
        term: Term = {"type": "literal", "value": value, "datatype": _XSD_BOOLEAN}
        return SelectResult(variables=("boolean",), rows=({"boolean": term},))
    variables = tuple(payload.get("head", {}).get("vars", []))
    rows = tuple(
        {name: {key: str(value) for key, value in term.items()} for name, term in binding.items()}
        for binding in payload.get("results", {}).get("bindings", [])
    )
    return SelectResult(variables=variables, rows=rows)


def _open_failure(path: Path, error: OSError) -> str:
    message = str(error)
    if "lock" in message.lower():
        return (
            f"The store at {path} is in use by another process (for example a running `mkg serve`). "
            "Stop that process first, or work through it (its HTTP API), or use another store "
            f"directory. ({message})"
        )
    return f"The store at {path} cannot be opened: {message}. Check the path and its permissions."
