"""How two entities are connected."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.caching import CachedRoute, error_example, json_example
from api.deps import StoreDep
from graph.paths import DEFAULT_MAX_HOPS, DEFAULT_PATHS, MAX_HOPS, MAX_PATHS, PathSearch, find_paths

router = APIRouter(tags=["paths"], route_class=CachedRoute)

_LAURENT = {"key": "person/laurent-bernaille", "name": "Laurent Bernaille", "type": "Person"}
_CILIUM = {"key": "project/cilium", "name": "Cilium", "type": "Project"}
_THOMAS = {"key": "person/thomas-graf", "name": "Thomas Graf", "type": "Person"}

PATHS_EXAMPLE = {
    "source": _LAURENT,
    "target": _THOMAS,
    "max_hops": 4,
    "k": 3,
    "paths": [
        {
            "length": 2,
            "entities": [_LAURENT, _CILIUM, _THOMAS],
            "confidence": 0.85,
            "steps": [
                {
                    "source": _LAURENT,
                    "target": _CILIUM,
                    "predicate": "contributedTo",
                    "direction": "forward",
                    "subject": "person/laurent-bernaille",
                    "object": "project/cilium",
                    "confidence": 0.9,
                    "evidence": [
                        {
                            "document_id": "meet-the-maintainer-laurent",
                            "source": "blog/meet-laurent.md",
                            "text": "I have contributed to Cilium since 2018.",
                            "start": 146,
                            "end": 186,
                            "date": "2024-05-02",
                            "confidence": 0.9,
                            "since": None,
                            "rule": None,
                        }
                    ],
                    "other_facts": [],
                },
                {
                    "source": _CILIUM,
                    "target": _THOMAS,
                    "predicate": "createdBy",
                    "direction": "forward",
                    "subject": "project/cilium",
                    "object": "person/thomas-graf",
                    "confidence": 0.85,
                    "evidence": [
                        {
                            "document_id": "cilium-history",
                            "source": "blog/cilium.md",
                            "text": "Cilium was started by Thomas Graf.",
                            "start": 52,
                            "end": 86,
                            "date": "2023-01-10",
                            "confidence": 0.85,
                            "since": None,
                            "rule": None,
                        }
                    ],
                    "other_facts": [],
                },
            ],
        }
    ],
}


@router.get(
    "/paths",
    response_model=PathSearch,
    summary="How two entities are connected",
    responses={
        200: json_example("The shortest paths, each hop with its fact and evidence", PATHS_EXAMPLE),
        400: error_example(
            "A name that fits several entities, or limits out of range",
            "invalid_parameter",
            "'Ada' names several entities (person/ada, project/ada); give one of these keys.",
        ),
        404: error_example(
            "An end that names no entity",
            "not_found",
            "No entity named 'Laurnet'; GET /search?q=Laurnet finds near matches and their keys.",
        ),
    },
)
def get_paths(
    store: StoreDep,
    from_: Annotated[
        str,
        Query(
            alias="from",
            min_length=1,
            max_length=200,
            description="An entity key, or the exact name, alias or handle of one entity.",
            examples=["person/laurent-bernaille"],
        ),
    ],
    to: Annotated[
        str,
        Query(
            min_length=1, max_length=200, description="The other end, as `from`.", examples=["Thomas Graf"]
        ),
    ],
    max: Annotated[
        int, Query(ge=1, le=MAX_HOPS, description="Longest path, in facts (hops).")
    ] = DEFAULT_MAX_HOPS,
    k: Annotated[
        int, Query(ge=1, le=MAX_PATHS, description="How many paths, shortest first.")
    ] = DEFAULT_PATHS,
) -> PathSearch:
    """Up to `k` shortest simple paths of at most `max` hops between two entities, walking facts in
    either direction across documents. Each hop names its predicate, its direction (`forward` when the
    fact reads source -> target) and its evidence (sentence, raw span, document id and source path);
    other facts joining the same two entities are listed under `other_facts`. No path: `paths` is empty."""
    return find_paths(store, from_, to, max_hops=max, k=k)
