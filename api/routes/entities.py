"""Entities and their profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SettingsDep, StoreDep
from graph.errors import NotFound
from graph.queries import EntitySummary, Profile, entity_profile, find_entities
from graph.records import EntityType

router = APIRouter(tags=["entities"])


@router.get("/entities", response_model=list[EntitySummary], summary="Find entities")
def get_entities(
    store: StoreDep,
    settings: SettingsDep,
    type: Annotated[EntityType | None, Query(description="Only entities of this type.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of a name or alias, case-insensitive.", examples=["laurent"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EntitySummary]:
    """Entities sorted by key, each with its type, canonical name and aliases."""
    return find_entities(store, type=type, q=q, limit=min(limit, settings.max_rows), offset=offset)


@router.get(
    "/entities/{id:path}",
    response_model=Profile,
    summary="Profile of an entity",
    responses={404: {"description": "No such entity"}},
)
def get_entity(id: str, store: StoreDep) -> Profile:
    """Names, aliases, source documents, and every fact out of and into the entity, each with its evidence
    (sentence, raw span, document, date) and confidence. `id` is a key such as `person/laurent-bernaille`."""
    profile = entity_profile(store, id)
    if profile is None:
        raise NotFound(f"No entity with id {id!r}; GET /entities?q=... finds ids.")
    return profile
