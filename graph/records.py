"""Plain records that flow through the pipeline: no I/O, no third-party types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntityType(StrEnum):
    """The five kinds of node in the graph (names match ontology classes and the gold files)."""

    PERSON = "Person"
    PROJECT = "Project"
    ORGANIZATION = "Organization"
    CONFERENCE = "Conference"
    TECHNOLOGY = "Technology"


class Predicate(StrEnum):
    """The ten relations (names match ontology properties and the gold files)."""

    CONTRIBUTED_TO = "contributedTo"
    MAINTAINER_OF = "maintainerOf"
    CREATED_BY = "createdBy"
    WORKS_AT = "worksAt"
    USES = "uses"
    SPOKE_AT = "spokeAt"
    ATTENDED = "attended"
    KNOWS = "knows"
    INTERVIEWED_BY = "interviewedBy"
    DEVELOPS = "develops"


# Type signature of every predicate: allowed (subject types, object types).
SIGNATURES: dict[Predicate, tuple[frozenset[EntityType], frozenset[EntityType]]] = {
    Predicate.CONTRIBUTED_TO: (frozenset({EntityType.PERSON}), frozenset({EntityType.PROJECT})),
    Predicate.MAINTAINER_OF: (frozenset({EntityType.PERSON}), frozenset({EntityType.PROJECT})),
    Predicate.CREATED_BY: (frozenset({EntityType.PROJECT}), frozenset({EntityType.PERSON})),
    Predicate.WORKS_AT: (frozenset({EntityType.PERSON}), frozenset({EntityType.ORGANIZATION})),
    Predicate.USES: (
        frozenset({EntityType.PERSON, EntityType.ORGANIZATION}),
        frozenset({EntityType.PROJECT, EntityType.TECHNOLOGY}),
    ),
    Predicate.SPOKE_AT: (frozenset({EntityType.PERSON}), frozenset({EntityType.CONFERENCE})),
    Predicate.ATTENDED: (frozenset({EntityType.PERSON}), frozenset({EntityType.CONFERENCE})),
    Predicate.KNOWS: (frozenset({EntityType.PERSON}), frozenset({EntityType.PERSON})),
    Predicate.INTERVIEWED_BY: (frozenset({EntityType.PERSON}), frozenset({EntityType.PERSON})),
    Predicate.DEVELOPS: (frozenset({EntityType.ORGANIZATION}), frozenset({EntityType.PROJECT})),
}


def fits_signature(predicate: Predicate, subject: EntityType, obj: EntityType) -> bool:
    """True when a fact with these end types is allowed by the ontology."""
    subjects, objects = SIGNATURES[predicate]
    return subject in subjects and obj in objects


@dataclass(frozen=True)
class DocumentMetadata:
    """Front-matter fields (or what a plain-text file gives); every field optional."""

    title: str | None = None
    date: str | None = None  # ISO 8601 date, YYYY-MM-DD
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str | None = None


@dataclass(frozen=True)
class Block:
    """One block of prose in `Document.text`: its kind and its span in the clean text.

    `lead` is the text of a bold run that opens the block (`**Arpit:**`, a bold question), if any.
    """

    # "title" | "summary" | "author" | "heading" | "paragraph" | "list_item" | "quote" | "table_cell"
    kind: str
    start: int
    end: int
    lead: str | None = None


@dataclass(frozen=True)
class Document:
    """A source text: the raw file, its clean prose and the map between them.

    `offsets[i]` is the index in `raw` of `text[i]`; it has one extra final entry (the raw end of the
    last character) so that any text span maps back with `raw_span`.
    """

    id: str  # stable document id, from the source path (or a content hash when there is none)
    source: str  # path or name as given by the user
    raw: str
    text: str
    offsets: tuple[int, ...]
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    blocks: tuple[Block, ...] = ()

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` to the smallest raw span holding all its characters."""
        if end <= start:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.raw)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class Mention:
    """A typed span of the clean text that names an entity."""

    text: str
    type: EntityType
    start: int  # in Document.text
    end: int
    raw_start: int
    raw_end: int
    source: str  # "ner" | "gazetteer" | "rule" | "front_matter" | "narrator" | ...


@dataclass(frozen=True)
class Entity:
    """A resolved entity. `key` is stable across documents (type + normalised name)."""

    key: str
    name: str
    type: EntityType
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: the document, the sentence and its character span in the raw file."""

    document_id: str
    text: str
    start: int  # raw offsets: raw[start:end] is the evidence
    end: int
    date: str | None = None  # publication date of the document


@dataclass(frozen=True)
class Fact:
    """One subject-predicate-object statement with its evidence."""

    subject: str  # Entity.key
    predicate: Predicate
    object: str  # Entity.key
    evidence: Evidence
    confidence: float
    rule: str  # the extraction rule that produced it
    since: str | None = None  # time the text gives ("since 2017"), ISO year or date


@dataclass(frozen=True)
class Extraction:
    """Everything read from one document."""

    document: Document
    mentions: tuple[Mention, ...]
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]
    extractor_version: str


@dataclass(frozen=True)
class Turn:
    """A stretch of `Document.text` spoken by one person (a Q&A answer, a `**Name:**` turn)."""

    start: int
    end: int
    speaker: str  # Entity.key of a Person
    is_question: bool = False


@dataclass(frozen=True)
class Resolution:
    """Mentions of one document folded into entities, with who speaks where.

    `mention_keys[i]` is the Entity.key of `mentions[i]` (or None when the mention was dropped).
    `narrator` is the Person the first-person singular refers to outside of turns.
    """

    entities: tuple[Entity, ...]
    mentions: tuple[Mention, ...]
    mention_keys: tuple[str | None, ...]
    narrator: str | None = None
    turns: tuple[Turn, ...] = ()
    interviewer: str | None = None
    interviewees: tuple[str, ...] = ()
