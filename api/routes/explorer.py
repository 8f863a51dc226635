"""The graph explorer: the page at `/`, its static files, and the JSON graph its canvas draws."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.caching import CachedRoute
from api.deps import StoreDep
from api.routes.filters import PredicatesFilter, TypesFilter
from graph.errors import InvalidParameter, NotFound
from graph.exports import EXPORT_FORMATS, FORMAT_DESCRIPTIONS, TYPE_COLOURS
from graph.records import EntityType, Predicate
from graph.views import neighbourhood, project_graph

# Views are costly to build on a large store: answers are kept until it is written (api/caching.py).
router = APIRouter(tags=["explorer"], route_class=CachedRoute)

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
MAX_HOPS = 3
DEFAULT_VIEW_NODES = 150
MAX_VIEW_NODES = 5000
# Media types of the files the page needs; anything else under static/ is not served.
STATIC_MEDIA_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".LICENSE": "text/plain; charset=utf-8",
}


class GraphView(BaseModel):
    """Cytoscape.js elements of one view of the graph, and how much of the whole view they show."""

    elements: dict[str, list[dict[str, Any]]] = Field(
        description='`{"nodes": [{"data": {...}}], "edges": [{"data": {...}}]}`, ready for cy.add().'
    )
    focus: str | None = None
    total_nodes: int = Field(description="Entities in the view before the node cap.")
    total_edges: int = Field(description="Facts in the view before the node cap.")
    truncated: bool = Field(description="True when the node cap left some entities out.")


class ExportFormat(BaseModel):
    name: str
    description: str
    extension: str


class ExplorerConfig(BaseModel):
    """What the page needs to know about this server: vocabulary, colours and the routes it may link to."""

    types: list[str]
    predicates: list[str]
    colours: dict[str, str] = Field(description="Node colour of each entity type, as #rrggbb.")
    export_formats: list[ExportFormat] = Field(description="Empty when the server has no /export route.")
    search_route: str = Field(description="Where the search box looks names up: /search, else /entities.")
    export_parameters: list[str] = Field(
        description="Query parameters /export takes (filters the page may pass)."
    )
    max_view_nodes: int
    default_view_nodes: int


def split_values(values: list[str] | None) -> list[str]:
    """Query values given repeated (`?types=A&types=B`) or comma-separated (`?types=A,B`), trimmed."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def parse_types(values: list[str] | None) -> set[EntityType] | None:
    """Entity types named in a query (case-insensitive); None without the parameter, so no filter, and
    the empty set for an empty value (`?types=`), so nothing."""
    if values is None:
        return None
    names = split_values(values)
    by_name = {kind.value.lower(): kind for kind in EntityType}
    unknown = [name for name in names if name.lower() not in by_name]
    if unknown:
        raise InvalidParameter(
            f"Unknown entity type {', '.join(unknown)}; choose from {', '.join(k.value for k in EntityType)}."
        )
    return {by_name[name.lower()] for name in names}


def parse_predicates(values: list[str] | None) -> set[Predicate] | None:
    """Predicates named in a query (case-insensitive); None without the parameter, the empty set for
    an empty value (`?predicates=`)."""
    if values is None:
        return None
    names = split_values(values)
    by_name = {predicate.value.lower(): predicate for predicate in Predicate}
    unknown = [name for name in names if name.lower() not in by_name]
    if unknown:
        raise InvalidParameter(
            f"Unknown predicate {', '.join(unknown)}; choose from {', '.join(p.value for p in Predicate)}."
        )
    return {by_name[name.lower()] for name in names}


def capped_view(view: nx.MultiDiGraph, limit: int, focus: str | None = None) -> nx.MultiDiGraph:
    """The `limit` best-connected entities of a view (the focus always kept) and the facts among them.

    Ties in degree go to the key, so the same view always keeps the same entities.
    """
    if view.number_of_nodes() <= limit:
        return view
    ranked = sorted(view.nodes, key=lambda key: (key != focus, -view.degree(key), key))
    kept = set(ranked[:limit])
    # Built in the view's order (not via subgraph(), whose order follows a set) to stay deterministic.
    capped = nx.MultiDiGraph()
    capped.add_nodes_from((key, data) for key, data in view.nodes(data=True) if key in kept)
    capped.add_edges_from(
        (u, v, k, data) for u, v, k, data in view.edges(keys=True, data=True) if u in kept and v in kept
    )
    return capped


def cytoscape_elements(view: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges of a view as Cytoscape.js elements, in the view's (deterministic) order.

    Edges carry their predicate, best confidence and evidence count; the evidence itself is fetched
    with the entity profile, so a large view stays small on the wire.
    """
    nodes = [
        {
            "data": {
                "id": key,
                "label": data.get("label", key),
                "type": data.get("type"),
                "aliases": list(data.get("aliases", ())),
                "degree": int(data.get("degree", 0)),
            }
        }
        for key, data in view.nodes(data=True)
    ]
    edges = [
        {
            "data": {
                "id": f"{subject}|{data['predicate']}|{obj}",
                "source": subject,
                "target": obj,
                "predicate": data["predicate"],
                "confidence": data.get("confidence"),
                "evidence_count": data.get("evidence_count", 0),
            }
        }
        for subject, obj, data in view.edges(data=True)
    ]
    return {"nodes": nodes, "edges": edges}


def explorer_view(
    view: nx.MultiDiGraph,
    *,
    focus: str | None = None,
    hops: int = 1,
    limit: int = DEFAULT_VIEW_NODES,
    isolated: bool = False,
) -> GraphView:
    """What the canvas shows: the neighbourhood of `focus` (or the whole view), capped at `limit` nodes.

    Unless `isolated`, entities without a fact in the view are left out (the focus always stays).
    """
    if focus is not None:
        if focus not in view:
            raise NotFound(
                f"No entity {focus!r} in this view; check the id with GET /entities?q=... "
                "or clear the type filter."
            )
        view = neighbourhood(view, focus, hops)
    if not isolated:
        lonely = [key for key in nx.isolates(view) if key != focus]
        if lonely:
            view = view.copy()
            view.remove_nodes_from(lonely)
    shown = capped_view(view, limit, focus)
    return GraphView(
        elements=cytoscape_elements(shown),
        focus=focus,
        total_nodes=view.number_of_nodes(),
        total_edges=view.number_of_edges(),
        truncated=shown.number_of_nodes() < view.number_of_nodes(),
    )


def get_operation(app: FastAPI, path: str) -> dict[str, Any] | None:
    """The OpenAPI description of GET `path`, or None when the app does not serve it."""
    # The schema (built once, then cached by FastAPI), not app.routes: included routers are not
    # flattened into app.routes in every FastAPI version.
    operation: dict[str, Any] | None = app.openapi().get("paths", {}).get(path, {}).get("get")
    return operation


def has_route(app: FastAPI, path: str) -> bool:
    """True when the app serves GET `path`."""
    return get_operation(app, path) is not None


def query_parameters(app: FastAPI, path: str) -> list[str]:
    """Names of the query parameters GET `path` takes, in schema order."""
    operation = get_operation(app, path) or {}
    return [item["name"] for item in operation.get("parameters", []) if item.get("in") == "query"]


@router.get("/explorer/config", response_model=ExplorerConfig, summary="Settings of the explorer page")
def explorer_config(request: Request) -> ExplorerConfig:
    """Entity types with their colours, predicates, and the export formats the page can offer."""
    formats = (
        [
            ExportFormat(name=name, description=FORMAT_DESCRIPTIONS.get(name, name), extension=extension)
            for name, (_, extension) in EXPORT_FORMATS.items()
        ]
        if has_route(request.app, "/export")
        else []
    )
    return ExplorerConfig(
        types=[kind.value for kind in EntityType],
        predicates=[predicate.value for predicate in Predicate],
        colours={kind: "#{:02x}{:02x}{:02x}".format(*rgb) for kind, rgb in TYPE_COLOURS.items()},
        export_formats=formats,
        search_route="/search" if has_route(request.app, "/search") else "/entities",
        export_parameters=query_parameters(request.app, "/export"),
        max_view_nodes=MAX_VIEW_NODES,
        default_view_nodes=DEFAULT_VIEW_NODES,
    )


@router.get("/", include_in_schema=False, response_class=FileResponse)
def explorer_page() -> FileResponse:
    """The explorer page."""
    return FileResponse(STATIC_DIR / "index.html", media_type=STATIC_MEDIA_TYPES[".html"])


@router.get(
    "/static/{path:path}",
    include_in_schema=False,
    response_class=FileResponse,
    responses={404: {"description": "No such file"}},
)
def static_file(path: str) -> FileResponse:
    """A file of the explorer page (scripts, styles, vendored libraries)."""
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    media_type = STATIC_MEDIA_TYPES.get(target.suffix)
    # resolve() folds `..` and symlinks, so the containment check holds for any path given.
    if not target.is_relative_to(root) or not target.is_file() or media_type is None:
        raise NotFound(f"No static file {path!r}; the explorer page is at /.")
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "no-cache"})


@router.get("/graph", response_model=GraphView, summary="A view of the graph for drawing")
def get_graph(
    store: StoreDep,
    focus: Annotated[
        str | None,
        Query(max_length=300, description="Entity id to centre on, e.g. `person/laurent-bernaille`."),
    ] = None,
    hops: Annotated[int, Query(ge=0, le=MAX_HOPS, description="Facts away from the focus.")] = 1,
    types: TypesFilter = None,
    predicates: PredicatesFilter = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_VIEW_NODES, description="At most this many entities, best connected first.")
    ] = DEFAULT_VIEW_NODES,
    isolated: Annotated[bool, Query(description="Keep entities that have no fact in the view.")] = False,
) -> GraphView:
    """Entities and facts as Cytoscape.js elements: the neighbourhood of `focus` within `hops` facts, or
    the best-connected entities of the whole graph, after the type and predicate filters."""
    view = project_graph(store, types=parse_types(types), predicates=parse_predicates(predicates))
    return explorer_view(view, focus=focus, hops=hops, limit=limit, isolated=isolated)
