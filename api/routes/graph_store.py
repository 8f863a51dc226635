"""The SPARQL 1.1 Graph Store HTTP Protocol at `/store`, for the holder of the admin token only.

`?graph=IRI` names a named graph (a document graph, or any other). `?default` names the default graph,
which this store keeps as the union of the named graphs: it can be read, but not written directly --
write the named graphs and the union follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response

from api.deps import SettingsDep, StoreDep, WriteLockDep
from api.errors import error_response
from api.routes.update import StoreAdminDep
from graph.errors import InvalidParameter, NotFound, RequestTooLarge
from graph.store.media import UPLOAD_MEDIA_TYPES, checked_iri, negotiate

router = APIRouter(tags=["sparql"])

_DEFAULT_IS_UNION = (
    "The default graph is the union of the named graphs and cannot be written directly; write a named "
    "graph with ?graph=IRI and the default graph follows."
)


@dataclass(frozen=True)
class GraphTarget:
    """The graph a request is about: an IRI, or None for the default graph."""

    iri: str | None


def read_target(request: Request) -> GraphTarget:
    """The graph of `?graph=IRI` or `?default` (exactly one of them)."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    graphs = params.get("graph", [])
    if ("default" in params) == bool(graphs) or len(graphs) > 1:
        raise InvalidParameter("Name exactly one graph: `?graph=IRI` or `?default`.")
    return GraphTarget(checked_iri(graphs[0]) if graphs else None)


async def read_rdf_body(request: Request, settings: SettingsDep) -> bytes:
    """The request body, refused beyond MKG_MAX_BODY_BYTES."""
    limit = settings.max_body_bytes
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise RequestTooLarge(f"The graph is larger than {limit} bytes (MKG_MAX_BODY_BYTES).")
    return bytes(body)


TargetDep = Annotated[GraphTarget, Depends(read_target)]
BodyDep = Annotated[bytes, Depends(read_rdf_body)]

_READ_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The graph, in the negotiated RDF format",
        "content": {
            media: {}
            for media in (
                "text/turtle",
                "application/n-triples",
                "application/rdf+xml",
                "application/ld+json",
            )
        },
    },
    401: {"description": "Missing or wrong bearer token"},
    403: {"description": "No admin token is configured on the server"},
    404: {"description": "No such graph"},
    406: {"description": "No acceptable RDF format"},
}
_WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    201: {"description": "The graph was created"},
    204: {"description": "The graph was replaced, added to or deleted"},
    400: {"description": "The data does not parse, or the graph IRI is not valid"},
    401: {"description": "Missing or wrong bearer token"},
    403: {"description": "No admin token is configured on the server"},
    404: {"description": "No such graph (DELETE)"},
    405: {"description": "Writing ?default: the default graph is the union of the named graphs"},
    415: {"description": "Not an RDF format the store reads: " + ", ".join(UPLOAD_MEDIA_TYPES)},
}


def _default_is_read_only() -> Response:
    response = error_response(405, "method_not_allowed", _DEFAULT_IS_UNION)
    response.headers["Allow"] = "GET, HEAD"
    return response


@router.get(
    "/store",
    summary="Read a graph (Graph Store Protocol)",
    response_class=Response,
    responses=_READ_RESPONSES,
)
def get_graph(request: Request, _admin: StoreAdminDep, target: TargetDep, store: StoreDep) -> Response:
    """The named graph `?graph=IRI`, or with `?default` the default graph (the union of all graphs), as
    Turtle, N-Triples, RDF/XML or JSON-LD by Accept."""
    media_type = negotiate(request.headers.get("accept") or "*/*", graph_result=True)
    body = store.get_graph(target.iri, media_type)
    return Response(content=body, media_type=media_type, headers={"Vary": "Accept"})


@router.head(
    "/store",
    summary="Check a graph (Graph Store Protocol)",
    response_class=Response,
    responses=_READ_RESPONSES,
)
def head_graph(request: Request, _admin: StoreAdminDep, target: TargetDep, store: StoreDep) -> Response:
    """Like GET, without the body."""
    media_type = negotiate(request.headers.get("accept") or "*/*", graph_result=True)
    if target.iri is not None and not store.has_document(target.iri):
        raise NotFound(f"There is no graph <{target.iri}> in the store.")
    return Response(media_type=media_type, headers={"Vary": "Accept"})


@router.put(
    "/store",
    summary="Replace a graph (Graph Store Protocol)",
    response_class=Response,
    status_code=204,
    responses=_WRITE_RESPONSES,
)
def put_graph(
    request: Request,
    _admin: StoreAdminDep,
    target: TargetDep,
    body: BodyDep,
    store: StoreDep,
    lock: WriteLockDep,
) -> Response:
    """Replace the named graph `?graph=IRI` with the RDF in the body (N-Triples, Turtle, N-Quads, TriG,
    RDF/XML; graph names in N-Quads and TriG are ignored). 201 when the graph is new, else 204."""
    if target.iri is None:
        return _default_is_read_only()
    with lock:
        created = store.put_graph(target.iri, body, request.headers.get("content-type", ""))
    return Response(status_code=201 if created else 204)


@router.post(
    "/store",
    summary="Add to a graph (Graph Store Protocol)",
    response_class=Response,
    status_code=204,
    responses=_WRITE_RESPONSES,
)
def post_graph(
    request: Request,
    _admin: StoreAdminDep,
    target: TargetDep,
    body: BodyDep,
    store: StoreDep,
    lock: WriteLockDep,
) -> Response:
    """Add the RDF in the body to the named graph `?graph=IRI`. 201 when the graph is new, else 204."""
    if target.iri is None:
        return _default_is_read_only()
    with lock:
        created = store.post_graph(target.iri, body, request.headers.get("content-type", ""))
    return Response(status_code=201 if created else 204)


@router.delete(
    "/store",
    summary="Delete a graph (Graph Store Protocol)",
    response_class=Response,
    status_code=204,
    responses=_WRITE_RESPONSES,
)
def delete_graph(_admin: StoreAdminDep, target: TargetDep, store: StoreDep, lock: WriteLockDep) -> Response:
    """Delete the named graph `?graph=IRI` (and its share of the default graph). 404 when it is absent."""
    if target.iri is None:
        return _default_is_read_only()
    with lock:
        dropped = store.drop_document(target.iri)
    if not dropped:
        raise NotFound(f"There is no graph <{target.iri}> in the store.")
    return Response(status_code=204)
