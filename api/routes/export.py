"""Downloads of the graph: the networkx view for graph tools, the stored RDF for linked-data tools."""

from __future__ import annotations

from itertools import chain
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import StoreDep
from api.routes.explorer import MAX_HOPS, parse_predicates, parse_types, split_values
from api.routes.filters import DocumentsFilter, PredicatesFilter, TypesFilter
from graph.exports import EXPORT_FORMATS, FORMAT_DESCRIPTIONS, check_format, iter_export

router = APIRouter(tags=["export"])

_FORMAT_HELP = "; ".join(f"`{name}`: {FORMAT_DESCRIPTIONS[name]}" for name in EXPORT_FORMATS)
_MEDIA_TYPES = sorted({media_type for media_type, _ in EXPORT_FORMATS.values()})


@router.get(
    "/export",
    response_class=StreamingResponse,
    summary="Download the graph in a graph or RDF format",
    responses={200: {"content": {media_type: {} for media_type in _MEDIA_TYPES}}},
)
def get_export(
    store: StoreDep,
    format: Annotated[str, Query(description=_FORMAT_HELP)] = "graphml",
    types: TypesFilter = None,
    predicates: PredicatesFilter = None,
    documents: DocumentsFilter = None,
    focus: Annotated[
        str | None,
        Query(
            max_length=300, description="Only the entities near this one, e.g. `person/laurent-bernaille`."
        ),
    ] = None,
    hops: Annotated[int, Query(ge=0, le=MAX_HOPS, description="Facts away from the focus.")] = 1,
    layout: Annotated[bool, Query(description="Add x/y positions (view formats).")] = False,
    analytics: Annotated[
        bool, Query(description="Add community, pagerank and betweenness to nodes (view formats).")
    ] = False,
) -> StreamingResponse:
    """The whole graph, or the filtered view, as a file. Deterministic: the same data gives the same bytes.

    View formats (graphml, gexf, cyjs, node-link, dot, csv) hold entities as nodes and facts as edges;
    RDF formats (turtle, trig, jsonld, ntriples, nquads) hold the stored triples with their evidence.
    See docs/exports.md for what each tool expects.

    The body is streamed as it is written. turtle and ntriples merge and sort every document first, so
    on a large graph the response starts after the whole store has been read.
    """
    name = check_format(format)
    wanted = set(split_values(documents)) if documents is not None else None
    # iter_export checks everything before returning, so errors are answered before the body starts.
    chunks = iter_export(
        store,
        name,
        types=parse_types(types),
        predicates=parse_predicates(predicates),
        documents=wanted,
        focus=focus,
        hops=hops,
        layout=layout,
        analytics=analytics,
    )
    # The first chunk is made here, before the response starts: turtle and ntriples merge every document
    # to make it, and a failure there (no room for the merge) still gets a JSON error.
    first = next(chunks, b"")
    media_type, extension = EXPORT_FORMATS[name]
    return StreamingResponse(
        chain([first], chunks),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="maintainer-kg{extension}"'},
    )
