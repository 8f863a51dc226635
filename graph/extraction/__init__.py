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


# Texts longer than this are parsed in pieces cut at paragraph breaks (the parser's memory grows
# with the text; spaCy refuses texts over `nlp.max_length`), then joined back into one Doc.
CHUNK_CHARS = 100_000


def extract(document: Document) -> Extraction:
    """Mentions, entities and facts of one document."""
    return next(extract_all([document]))


# Texts per spaCy batch: enough to amortise the per-batch cost, small enough to stream.
PIPE_BATCH_SIZE = 4
# The parser steps through the texts of its batch together and gains from a few more (10% less
# parser time at 16 than at 4, for 5% more peak memory); the recogniser does not.
PARSER_BATCH_SIZE = 16


def extract_all(documents: Iterable[Document], *, n_process: int = 1) -> Iterator[Extraction]:
    """`extract` over many documents, parsing them in batches (and processes when n_process > 1)."""
    nlp = build_nlp()

    def pieces() -> Iterator[tuple[str, tuple[Document, int, int]]]:
        for document in documents:
            chunks = split_text(document.text, CHUNK_CHARS)
            for index, chunk in enumerate(chunks):
                yield chunk, (document, index, len(chunks))

    parsed: list[Doc] = []
    # Small batches: posts are long, so spaCy's default of 1,000 texts per batch holds a whole corpus of
    # parses in memory (1 GB for 33 posts) and stalls progress reporting until the batch is done.
    batches = nlp.pipe(
        pieces(),
        as_tuples=True,
        n_process=n_process,
        batch_size=PIPE_BATCH_SIZE,
        component_cfg={"parser": {"batch_size": PARSER_BATCH_SIZE}},
    )
    for doc, (document, index, count) in batches:
        parsed.append(doc)
        if index == count - 1:
            whole = parsed[0] if count == 1 else Doc.from_docs(parsed, ensure_whitespace=False)
            parsed = []
            yield _extraction(whole, document)


def split_text(text: str, limit: int) -> list[str]:
    """Consecutive pieces of `text`, each at most `limit` characters, cut after blank lines when
    possible (else after any whitespace); joined they give `text` back."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = window.rfind("\n\n")
        if cut <= 0:
            cut = max(window.rfind("\n"), window.rfind(" "))
        end = start + (cut + 1 if cut > 0 else limit)
        while end < len(text) and end - start < limit and text[end].isspace():
            end += 1
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


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


__all__ = [
    "EXTRACTOR_VERSION",
    "PARSER_BATCH_SIZE",
    "PIPE_BATCH_SIZE",
    "extract",
    "extract_all",
    "split_text",
    "to_gold_json",
]
