"""Find entities by name, alias or handle, forgiving typos."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.caching import CachedRoute, Page, add_page_links, json_example
from api.deps import SettingsDep, StoreDep
from graph.queries import SearchHit, search_entities
from graph.records import EntityType

router = APIRouter(tags=["search"], route_class=CachedRoute)

SEARCH_EXAMPLE = {
    "items": [
        {
            "key": "person/laurent-bernaille",
            "name": "Laurent Bernaille",
            "type": "Person",
            "matched": "Laurent Bernaille",
            "field": "name",
            "match": "fuzzy",
            "score": 0.5156,
        }
    ],
    "total": 1,
    "limit": 20,
    "offset": 0,
}


@router.get(
    "/search",
    response_model=Page[SearchHit],
    summary="Search entities by name",
    responses={200: json_example("Matching entities, best first", SEARCH_EXAMPLE)},
)
def search(
    request: Request,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="A name, alias or handle, or part of one; typos are forgiven.",
            examples=["Laurnet Bernaile"],
        ),
    ],
    type: Annotated[EntityType | None, Query(description="Only entities of this type.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 20,
    offset: Annotated[int, Query(ge=0, description="Hits to skip.")] = 0,
) -> Page[SearchHit]:
    """Entities whose canonical name, an alias or a handle matches `q`, ranked exact > prefix (of the
    name, then of a later word) > substring > fuzzy (difflib similarity of at least 0.75). Case, accents
    and punctuation are ignored. Each hit gives the form that matched, which field it is (`name`,
    `alias`, `handle`), the kind of match and a score in [0, 1]; ties go by name, then key."""
    limit = min(limit, settings.max_rows)
    hits = search_entities(store, q, type)
    add_page_links(request, response, len(hits), limit, offset)
    return Page[SearchHit](items=hits[offset : offset + limit], total=len(hits), limit=limit, offset=offset)
