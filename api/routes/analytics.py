"""Who matters and who connects: rankings, communities and bridges of the graph."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.caching import CachedRoute
from api.deps import StoreDep
from api.routes.explorer import parse_predicates, parse_types, split_values
from api.routes.filters import DocumentsFilter, PredicatesFilter, TypesFilter
from graph.analytics import analyze
from graph.views import project_graph

# Views are costly to build on a large store: answers are kept until it is written (api/caching.py).
router = APIRouter(tags=["analytics"], route_class=CachedRoute)

MAX_LIMIT = 200


@router.get("/analytics", summary="Rankings, communities and bridges")
def get_analytics(
    store: StoreDep,
    types: TypesFilter = None,
    predicates: PredicatesFilter = None,
    documents: DocumentsFilter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="People, projects and bridges listed.")] = 10,
    members: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Members listed per community.")] = 10,
) -> dict[str, Any]:
    """Counts of the view, people and projects ranked by PageRank, Louvain communities (seed 42) and
    people bridging communities, over the undirected view weighted by evidence.

    Communities of one entity (entities with no fact) are left out; `isolated` counts them.
    """
    view = project_graph(
        store,
        types=parse_types(types),
        predicates=parse_predicates(predicates),
        documents=set(split_values(documents)) if documents is not None else None,
    )
    return analyze(view, limit=limit).to_dict(members=members)
