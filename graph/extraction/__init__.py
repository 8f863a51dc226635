"""Extraction: a document's text to typed mentions, resolved entities and facts with evidence.

The flow is nlp(text) -> find_mentions -> resolve -> find_facts; `extract` runs it for one document,
`extract_all` for many through `nlp.pipe`, and `to_gold_json` gives the shape of the gold files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.tokens import Doc

from graph.extraction.mentions import find_mentions
from graph.extraction.pipeline import build_nlp
from graph.extraction.relations import find_facts
from graph.records import Document, Entity, Extraction
from graph.resolution import resolve
from graph.vocab import entity_iri

EXTRACTOR_VERSION = "mkg-extract/0.1.0"


def extract(document: Document) -> Extraction:
    """Mentions, entities and facts of one document."""
    return _extraction(build_nlp()(document.text), document)


def extract_all(documents: Iterable[Document], *, n_process: int = 1) -> Iterator[Extraction]:
    """`extract` over many documents, parsing them in batches (and processes when n_process > 1)."""
    nlp = build_nlp()
    pairs = ((document.text, document) for document in documents)
    for doc, document in nlp.pipe(pairs, as_tuples=True, n_process=n_process):
        yield _extraction(doc, document)


def _extraction(doc: Doc, document: Document) -> Extraction:
    mentions = find_mentions(doc, document)
    resolution = resolve(document, mentions)
    facts = find_facts(doc, document, resolution)
    used = {key for key in resolution.mention_keys if key is not None}
    used |= {fact.subject for fact in facts} | {fact.object for fact in facts}
    if resolution.narrator is not None:
        used.add(resolution.narrator)
    entities = tuple(sorted((e for e in resolution.entities if e.key in used), key=lambda e: e.key))
    return Extraction(
        document=document,
        mentions=tuple(resolution.mentions),
        entities=entities,
        facts=tuple(facts),
        extractor_version=EXTRACTOR_VERSION,
    )


def to_gold_json(extraction: Extraction) -> dict[str, Any]:
    """The extraction in the shape of the gold files, entities named by their canonical name.

    Evidence offsets are raw offsets: `document.raw[start:end]` is the evidence text.
    """
    by_key: dict[str, Entity] = {e.key: e for e in extraction.entities}
    entities = [
        {"name": e.name, "type": e.type.value, "aliases": list(e.aliases), "iri": str(entity_iri(e.key))}
        for e in sorted(extraction.entities, key=lambda e: (e.type.value, e.name.casefold(), e.key))
    ]
    facts = sorted(
        (f for f in extraction.facts if f.subject in by_key and f.object in by_key),
        key=lambda f: (
            by_key[f.subject].name,
            f.predicate.value,
            by_key[f.object].name,
            f.evidence.start,
            f.evidence.end,
            f.rule,
        ),
    )
    relations = [
        {
            "subject": by_key[f.subject].name,
            "predicate": f.predicate.value,
            "object": by_key[f.object].name,
            "evidence": {"text": f.evidence.text, "start": f.evidence.start, "end": f.evidence.end},
            "confidence": f.confidence,
        }
        for f in facts
    ]
    return {"entities": entities, "relations": relations}


__all__ = ["EXTRACTOR_VERSION", "extract", "extract_all", "to_gold_json"]
