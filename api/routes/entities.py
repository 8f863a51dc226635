"""Entities and their profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.caching import CachedRoute, Page, add_page_links, json_example
from api.deps import AdminDep, SettingsDep, StoreDep, WriteLockDep
from graph.errors import InvalidParameter, NotFound
from graph.queries import EntitySummary, Profile, count_entities, entity_profile, find_entities
from graph.records import EntityType

router = APIRouter(tags=["entities"], route_class=CachedRoute)


ENTITIES_EXAMPLE = {
    "items": [
        {
            "key": "person/laurent-bernaille",
            "name": "Laurent Bernaille",
            "type": "Person",
            "aliases": ["Laurent"],
        }
    ],
    "total": 1,
    "limit": 50,
    "offset": 0,
}


@router.get(
    "/entities",
    response_model=Page[EntitySummary],
    summary="Find entities",
    responses={
        200: json_example("One page of entities; `Link` names the next and previous", ENTITIES_EXAMPLE)
    },
)
def get_entities(
    request: Request,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
    type: Annotated[EntityType | None, Query(description="Only entities of this type.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of a name or alias, case-insensitive.", examples=["laurent"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, description="Entities to skip.")] = 0,
) -> Page[EntitySummary]:
    """Entities sorted by key, each with its type, canonical name and aliases. For ranked, typo-tolerant
    search by name use /search."""
    limit = min(limit, settings.max_rows)
    items = find_entities(store, type=type, q=q, limit=limit, offset=offset)
    total = count_entities(store, type=type, q=q)
    add_page_links(request, response, total, limit, offset)
    return Page[EntitySummary](items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/entities/{id:path}",
    response_model=Profile,
    summary="Profile of an entity",
    responses={404: {"description": "No such entity"}},
)
def get_entity(
    id: str,
    store: StoreDep,
    settings: SettingsDep,
    limit: Annotated[
        int, Query(ge=1, le=10_000, description="Facts per direction on this page (at most MKG_MAX_ROWS).")
    ] = 100,
    offset: Annotated[int, Query(ge=0, description="Facts to skip in each direction.")] = 0,
) -> Profile:
    """Names, aliases, source documents, and the facts out of and into the entity, each with its evidence
    (sentence, raw span, document, date) and confidence. `id` is a key such as `person/laurent-bernaille`.
    A much-cited entity has many facts: `facts_out_total` and `facts_in_total` count them all, and
    `limit` / `offset` page through them (each page sorted by predicate, then the other entity's name)."""
    profile = entity_profile(store, id, limit=min(limit, settings.max_rows), offset=offset)
    if profile is None:
        raise NotFound(f"No entity with id {id!r}; GET /entities?q=... finds ids.")
    return profile


class Forgotten(BaseModel):
    key: str = Field(examples=["person/jane-doe"])
    keys: list[str] = Field(description="The key and every key merged into it, all forgotten.")
    graphs: list[str] = Field(description="Named graphs rewritten.")
    triples_removed: int


@router.delete(
    "/entities/{id:path}",
    response_model=Forgotten,
    summary="Forget a person",
    responses={
        400: {"description": "`forget=true` missing, or not a person"},
        404: {"description": "No such person"},
    },
)
def forget_entity(
    id: str,
    _: AdminDep,
    store: StoreDep,
    lock: WriteLockDep,
    forget: Annotated[
        bool, Query(description="Must be true: the person is removed from every document.")
    ] = False,
) -> Forgotten:
    """Remove every fact about and mention of a person in every document, and keep them out of later
    ingests (the forget list keeps only a hash of their key). `id` is a key such as `person/jane-doe`."""
    from graph.forget import forget_entity as forget_person

    if not forget:
        raise InvalidParameter(
            "Deleting an entity forgets them in every document; confirm with ?forget=true."
        )
    with lock:
        report = forget_person(store, id)
    return Forgotten(
        key=report.key,
        keys=list(report.keys),
        graphs=list(report.graphs),
        triples_removed=report.triples_removed,
    )
