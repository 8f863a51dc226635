"""Query parameters that filter a view of the graph, shared by /graph, /export and /analytics."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

TypesFilter = Annotated[
    list[str] | None, Query(description="Only these entity types (repeat, or comma-separate).")
]
PredicatesFilter = Annotated[
    list[str] | None, Query(description="Only these predicates (repeat, or comma-separate).")
]
DocumentsFilter = Annotated[
    list[str] | None, Query(description="Only these document ids (repeat, or comma-separate).")
]

# Typed profiles (/people, /projects, /organizations): how much evidence each related entity carries.
EvidenceLimit = Annotated[
    int,
    Query(
        ge=1,
        le=1000,
        description="Pieces of evidence per related entity, best first; `evidence_total` counts them all.",
    ),
]
