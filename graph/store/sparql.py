"""The remote backend: an Oxigraph server (or any SPARQL 1.1 server with the same endpoints) over HTTP.

Endpoints are Oxigraph server's: `/query` (SPARQL 1.1 Protocol), `/update` (SPARQL 1.1 Update). As in
the embedded store, every write keeps the server's default graph equal to the merge of the document
graphs, so the server must run without `--union-default-graph`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
import pyoxigraph

from graph.errors import InvalidQuery, NotAcceptable, QueryTimeout, StoreUnavailable
from graph.store.base import QueryAnswer, SelectResult
from graph.store.graph_store import GraphStoreOperations
from graph.store.media import (
    GRAPH_MEDIA_TYPES,
    NAMED_QUAD_COUNT,
    REBUILD_UNION,
    checked_documents,
    checked_iri,
    checked_ntriples,
    drop_graph_update,
    limited_answer,
    negotiate,
    query_form,
    replace_graph_update,
    with_union_rebuilt,
)
from graph.store.oxigraph import select_result_from_json

DEFAULT_TIMEOUT_S = 60.0
# Triples per update request when many documents are written: large enough to save round trips and
# per-request work, small enough that one request stays a modest transaction on the server.
_BATCH_TRIPLES = 50_000
_RESULTS_JSON = "application/sparql-results+json"
# Named as the default graph when a dataset has named graphs only (no graph of the store has it).
_EMPTY_GRAPH = "urn:x-mkg:empty-default-graph"


class RemoteSparqlStore(GraphStoreOperations):
    """A quad store behind a SPARQL server: one named graph per document, the default graph their merge.

    A server whose document graphs were written by other means gets its default graph with
    `rebuild_union()`.
    """

    def __init__(self, base_url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        url = base_url.rstrip("/")
        # Accept the query endpoint itself as well as the server root.
        for suffix in ("/query", "/sparql"):
            if url.endswith(suffix):
                url = url[: -len(suffix)]
        self.base_url = url
        self._client: httpx.Client | None = httpx.Client(timeout=timeout_s)

    @property
    def _http(self) -> httpx.Client:
        if self._client is None:
            raise StoreUnavailable("The store is closed; open it again with graph.store.open_store.")
        return self._client

    def add_document(self, graph_iri: str, ntriples: str) -> None:
        """Replace the named graph `graph_iri` with these N-Triples, atomically."""
        # The server runs one update request as one transaction.
        self._update(replace_graph_update(graph_iri, checked_ntriples(ntriples)))

    def add_documents(self, documents: Sequence[tuple[str, str]]) -> None:
        """Replace many named graphs, several documents per update request (each request atomic)."""
        # Blank node labels may not repeat across the INSERT DATA operations of one request.
        checked = checked_documents(documents, fresh_blank_nodes=True)
        operations: list[str] = []
        size = 0
        for iri, ntriples in checked.items():
            triples = ntriples.count("\n")
            if operations and size + triples > _BATCH_TRIPLES:
                self._update(" ;\n".join(operations))
                operations, size = [], 0
            operations.append(replace_graph_update(iri, ntriples))
            size += triples
        if operations:
            self._update(" ;\n".join(operations))

    def drop_document(self, graph_iri: str) -> bool:
        """Remove a document's graph; False when it was not there."""
        iri = checked_iri(graph_iri)
        if not self.has_document(iri):
            return False
        self._update(drop_graph_update(iri))
        return True

    def has_document(self, graph_iri: str) -> bool:
        """True when the named graph exists."""
        iri = checked_iri(graph_iri)
        payload = self._json_query(f"ASK {{ GRAPH <{iri}> {{ }} }}")
        return bool(payload.get("boolean"))

    def documents(self) -> list[str]:
        """IRIs of all named graphs, sorted."""
        payload = self._json_query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        result = select_result_from_json(payload)
        return sorted(row["g"]["value"] for row in result.rows if row.get("g", {}).get("type") == "uri")

    def select(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> SelectResult:
        """Run a SELECT (or ASK, as one row {"boolean": ...}) over the union default graph."""
        form = query_form(sparql)
        if form is not None and form.gives_graph:
            raise InvalidQuery(
                "select() runs SELECT and ASK queries; use query_raw for CONSTRUCT or DESCRIBE."
            )
        return select_result_from_json(self._json_query(sparql, default_graphs, named_graphs))

    def query_raw(
        self,
        sparql: str,
        accept: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> tuple[bytes, str]:
        """Run any query form; return the serialized result and its media type."""
        form = query_form(sparql)
        # Without a recognisable form the query cannot parse; the server says where it fails.
        media_type = negotiate(accept, graph_result=form.gives_graph) if form else "*/*"
        response = self._post_query(sparql, media_type, default_graphs, named_graphs)
        served = response.headers.get("content-type", media_type).split(";")[0].strip()
        return response.content, served

    def answer(
        self,
        sparql: str,
        accept: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryAnswer:
        """Run any query form, keeping at most `max_rows` rows (or triples).

        `timeout` bounds the HTTP exchange (connect, each read); the server's own timeout, if it has
        one, bounds its work.
        """
        form = query_form(sparql)
        graph_result = form is not None and form.gives_graph
        media_type = negotiate(accept, graph_result=graph_result)
        # Fetched in a format pyoxigraph reads back, then cut and re-serialized as asked.
        wire = "application/n-triples" if graph_result else _RESULTS_JSON
        response = self._post_query(sparql, wire, default_graphs, named_graphs, timeout=timeout)
        try:
            if graph_result:
                triples = pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)
                return _triples_answer(list(triples), media_type, max_rows)
            result = pyoxigraph.parse_query_results(response.content, pyoxigraph.QueryResultsFormat.JSON)
            return limited_answer(result, media_type, max_rows)
        except SyntaxError as error:
            raise StoreUnavailable(
                f"The SPARQL server at {self.base_url} sent a result that does not parse: {error}"
            ) from error

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update on the document graphs, then recompute the default graph.

        Both happen in one request (one transaction); what the update writes to the default graph
        itself is replaced.
        """
        if base_iri is not None:
            # The protocol has no base parameter; a leading BASE is overridden by any BASE of the update.
            sparql = f"BASE <{checked_iri(base_iri)}> {sparql}"
        self._update(with_union_rebuilt(sparql))

    def rebuild_union(self) -> None:
        """Recompute the default graph as the merge of all document graphs."""
        self._update(REBUILD_UNION)

    def triple_count(self) -> int:
        """Number of quads in the document graphs (the default graph's copies are not counted)."""
        payload = self._json_query(NAMED_QUAD_COUNT)
        rows = payload.get("results", {}).get("bindings", [])
        return int(rows[0]["n"]["value"]) if rows else 0

    def close(self) -> None:
        """Release the HTTP connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _json_query(
        self,
        sparql: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        response = self._post_query(sparql, _RESULTS_JSON, default_graphs, named_graphs)
        try:
            payload: dict[str, Any] = json.loads(response.content)
        except ValueError as error:
            raise StoreUnavailable(
                f"The SPARQL server at {self.base_url} sent a result that is not SPARQL JSON: {error}"
            ) from error
        return payload

    def _post_query(
        self,
        sparql: str,
        accept: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        *,
        timeout: float | None = None,
    ) -> httpx.Response:
        params: list[tuple[str, str]] = []
        if default_graphs is not None or named_graphs is not None:
            # The protocol has no way to say "no default graph"; an unused IRI names an empty one.
            defaults = list(default_graphs or ()) or [_EMPTY_GRAPH]
            params += [("default-graph-uri", checked_iri(iri)) for iri in defaults]
            params += [("named-graph-uri", checked_iri(iri)) for iri in named_graphs or ()]
        return self._send(
            "/query",
            content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
            what="query",
            params=params,
            timeout=timeout,
        )

    def _write_graph_update(self, sparql: str) -> None:
        self._update(sparql)

    def _update(self, sparql: str) -> None:
        self._send(
            "/update",
            content=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
            what="update",
        )

    def _send(
        self,
        endpoint: str,
        *,
        content: bytes,
        headers: dict[str, str],
        what: str,
        params: list[tuple[str, str]] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        url = self.base_url + endpoint
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        if params:
            pairs: list[tuple[str, str | int | float | bool | None]] = list(params)
            extra["params"] = httpx.QueryParams(pairs)
        try:
            response = self._http.post(url, content=content, headers=headers, **extra)
        except httpx.TimeoutException as error:
            raise QueryTimeout(
                f"The SPARQL server at {self.base_url} did not answer the {what} in time; "
                "simplify the query (add LIMIT) or try again."
            ) from error
        except httpx.HTTPError as error:
            raise StoreUnavailable(
                f"Cannot reach the SPARQL server at {self.base_url} ({error}). Start it "
                "(`oxigraph serve --location DIR --bind HOST:PORT`) or check the URL."
            ) from error
        if response.status_code < 400:
            return response
        message = response.text.strip() or response.reason_phrase
        if response.status_code == 400:
            raise InvalidQuery(f"The SPARQL {what} was refused: {message}")
        if response.status_code == 406:
            raise NotAcceptable(f"The SPARQL server cannot serve that format: {message}")
        raise StoreUnavailable(
            f"The SPARQL server at {self.base_url} failed on the {what} "
            f"(HTTP {response.status_code}): {message}"
        )


def _triples_answer(triples: list[Any], media_type: str, max_rows: int | None) -> QueryAnswer:
    truncated = max_rows is not None and len(triples) > max_rows
    if truncated and max_rows is not None:
        del triples[max_rows:]
    data = pyoxigraph.serialize(triples, format=GRAPH_MEDIA_TYPES[media_type])
    return QueryAnswer(data or b"", media_type, truncated)
