"""Shared fixtures: the shared corpus location, an in-memory store, and a hand-made extractor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.records import Document, Entity, EntityType, Evidence, Extraction, Fact, Predicate
from graph.store import Store, open_memory_store
from graph.vocab import entity_key

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Entities the hand-made extractor knows: name -> (type, aliases).
KNOWN_ENTITIES: dict[str, tuple[EntityType, tuple[str, ...]]] = {
    "Laurent Bernaille": (EntityType.PERSON, ("Laurent",)),
    "Thomas Graf": (EntityType.PERSON, ()),
    "Datadog": (EntityType.ORGANIZATION, ()),
    "Cilium": (EntityType.PROJECT, ()),
    "kube-proxy": (EntityType.PROJECT, ()),
}
KNOWN_HANDLES: dict[str, tuple[str, ...]] = {"Laurent Bernaille": ("lbernail",)}
# Facts it reads when both ends are named on the same line.
KNOWN_FACTS: tuple[tuple[str, Predicate, str], ...] = (
    ("Laurent Bernaille", Predicate.WORKS_AT, "Datadog"),
    ("Laurent Bernaille", Predicate.CONTRIBUTED_TO, "Cilium"),
    ("Laurent Bernaille", Predicate.MAINTAINER_OF, "kube-proxy"),
    ("Cilium", Predicate.CREATED_BY, "Thomas Graf"),
)


def _key(name: str) -> str:
    return entity_key(KNOWN_ENTITIES[name][0], name)


def _forms(name: str) -> tuple[str, ...]:
    return (name, *KNOWN_ENTITIES[name][1])


def hand_made_extraction(document: Document) -> Extraction:
    """A predictable extraction: known names found in the raw text, and a known fact for every raw line
    naming both of its ends (the line is the evidence)."""
    raw = document.raw
    entities = tuple(
        Entity(key=_key(name), name=name, type=kind, aliases=aliases, handles=KNOWN_HANDLES.get(name, ()))
        for name, (kind, aliases) in KNOWN_ENTITIES.items()
        if any(form in raw for form in _forms(name))
    )
    facts = []
    position = 0
    for line in raw.splitlines(keepends=True):
        text = line.strip()
        start = position + line.index(text) if text else position
        position += len(line)
        for subject, predicate, obj in KNOWN_FACTS:
            if any(f in text for f in _forms(subject)) and any(f in text for f in _forms(obj)):
                evidence = Evidence(document.id, text, start, start + len(text), document.metadata.date)
                facts.append(Fact(_key(subject), predicate, _key(obj), evidence, 0.9, "hand-made"))
    return Extraction(document, (), entities, tuple(facts), "hand-made/1")


@pytest.fixture
def memory_store() -> Iterator[Store]:
    store = open_memory_store()
    yield store
    store.close()


@pytest.fixture
def shared_dir() -> Path:
    """/work/shared beside the repository (corpus and gold files); skips when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not available")
    return SHARED
