"""The Graph Store HTTP Protocol operations, written once over a backend's update and query methods."""

from __future__ import annotations

from abc import ABC, abstractmethod

from graph.errors import NotFound
from graph.store.media import (
    checked_iri,
    graph_construct,
    post_graph_update,
    put_graph_update,
    upload_as_ntriples,
)


class GraphStoreOperations(ABC):
    """put_graph / post_graph / get_graph for any backend that can check, update and query graphs."""

    @abstractmethod
    def has_document(self, graph_iri: str) -> bool:
        """True when the named graph exists."""

    @abstractmethod
    def query_raw(self, sparql: str, accept: str) -> tuple[bytes, str]:
        """Run a query; the serialized result and its media type."""

    @abstractmethod
    def _write_graph_update(self, sparql: str) -> None:
        """Apply one update that writes a named graph (and keeps the union default graph in step)."""

    def put_graph(self, graph_iri: str, data: bytes, media_type: str) -> bool:
        """Replace a named graph with RDF in `media_type`; True when the graph did not exist before."""
        ntriples = upload_as_ntriples(data, media_type, checked_iri(graph_iri))
        created = not self.has_document(graph_iri)
        self._write_graph_update(put_graph_update(graph_iri, ntriples))
        return created

    def post_graph(self, graph_iri: str, data: bytes, media_type: str) -> bool:
        """Add RDF in `media_type` to a named graph; True when the graph did not exist before."""
        ntriples = upload_as_ntriples(data, media_type, checked_iri(graph_iri))
        created = not self.has_document(graph_iri)
        self._write_graph_update(post_graph_update(graph_iri, ntriples))
        return created

    def get_graph(self, graph_iri: str | None, media_type: str) -> bytes:
        """A named graph (None: the default graph, the union) serialized as `media_type`."""
        if graph_iri is not None and not self.has_document(graph_iri):
            raise NotFound(f"There is no graph <{graph_iri}> in the store.")
        body, _ = self.query_raw(graph_construct(graph_iri), media_type)
        return body
