"""Liveness of the service."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import StoreDep
from graph import __version__
from graph.queries import count_documents

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    version: str
    documents: int


@router.get("/health", summary="Service health", response_model=Health)
def health(store: StoreDep) -> Health:
    """`ok` with the number of stored documents when the store answers."""
    return Health(status="ok", version=__version__, documents=count_documents(store))
