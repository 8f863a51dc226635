from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from rdflib.namespace import RDF

from graph.documents import MAX_DOCUMENT_BYTES, read_document
from graph.ingest import IngestEvent, discover, ingest_document, ingest_paths
from graph.records import Document, EntityType, Extraction
from graph.store import Store
from graph.vocab import MKG, PROV, document_iri, entity_iri, entity_key
from tests.conftest import hand_made_extraction

GOOD = """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
Laurent Bernaille works at Datadog.

Laurent Bernaille contributed to Cilium.
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_discover_walks_directories_skips_hidden_folder_notes_and_other_suffixes(tmp_path: Path) -> None:
    root = tmp_path / "posts"
    write(root / "b.md", "b")
    write(root / "sub" / "a.mdx", "a")
    write(root / "sub" / "notes.txt", "n")
    write(root / "README.md", "r")
    write(root / "image.png", b"\x89PNG")
    write(root / ".hidden.md", "h")
    write(root / ".git" / "x.md", "x")
    single = write(tmp_path / "elsewhere" / "one.markdown", "o")

    found = discover([root, single])

    assert [source for _, source in found] == [
        "b.md",
        "one.markdown",
        "sub/a.mdx",
        "sub/notes.txt",
    ]
    assert dict((source, path) for path, source in found)["sub/a.mdx"] == root / "sub" / "a.mdx"


def test_discover_reads_a_folder_note_named_as_a_file(tmp_path: Path) -> None:
    readme = write(tmp_path / "README.md", "r")
    assert [source for _, source in discover([readme])] == ["README.md"]


def test_discover_reports_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        discover([tmp_path / "nope"])


def test_ingest_paths_skips_a_bad_file_and_stores_the_good_one(tmp_path: Path, memory_store: Store) -> None:
    write(tmp_path / "good.md", GOOD)
    write(tmp_path / "empty.md", "   \n")
    write(tmp_path / "binary.txt", b"\x00\x01\x02PNG\x00")
    events: list[IngestEvent] = []

    report = ingest_paths([tmp_path], memory_store, on_progress=events.append, extractor=hand_made_extraction)

    assert [d.source for d in report.documents] == ["good.md"]
    assert report.documents[0].facts == 2
    assert report.documents[0].entities == 3
    assert sorted((f.source, f.code) for f in report.failures) == [
        ("binary.txt", "binary_document"),
        ("empty.md", "empty_document"),
    ]
    assert all(f.detail for f in report.failures)
    assert [e.done for e in events] == [1, 2, 3]
    assert {e.total for e in events} == {3}
    assert memory_store.documents() == [report.documents[0].iri]


def test_ingest_paths_reports_an_extraction_crash_and_goes_on(tmp_path: Path, memory_store: Store) -> None:
    write(tmp_path / "a.md", GOOD)
    write(tmp_path / "b.md", GOOD.replace("Datadog", "Datadog again"))

    def flaky(document: Document) -> Extraction:
        if document.source == "a.md":
            raise RuntimeError("boom")
        return hand_made_extraction(document)

    report = ingest_paths([tmp_path], memory_store, extractor=flaky)

    assert [d.source for d in report.documents] == ["b.md"]
    assert [(f.source, f.code) for f in report.failures] == [("a.md", "internal_error")]
    assert "boom" in report.failures[0].detail


def test_ingest_paths_refuses_an_oversized_file(tmp_path: Path, memory_store: Store) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 10)

    report = ingest_paths([big], memory_store, extractor=hand_made_extraction)

    assert [(f.source, f.code) for f in report.failures] == [("big.md", "document_too_large")]
    assert memory_store.documents() == []


def test_ingesting_the_same_document_twice_changes_nothing(memory_store: Store) -> None:
    document = read_document(GOOD, "posts/laurent.md")

    first = ingest_document(document, memory_store, extractor=hand_made_extraction)
    count = memory_store.triple_count()
    second = ingest_document(document, memory_store, extractor=hand_made_extraction)

    assert first == second
    assert first.iri == str(document_iri(document.id))
    assert count > 0
    assert memory_store.triple_count() == count
    assert memory_store.documents() == [first.iri]


@pytest.mark.slow
def test_seed_corpus_end_to_end(shared_dir: Path, memory_store: Store) -> None:
    """Ingest the seed texts with the real extractor, then ask SPARQL for known facts.

    Depends on extraction quality: Laurent Bernaille worksAt Datadog must be read with evidence whose raw
    span names Datadog, and Thomas Graf must be a Person.
    """
    seeds = shared_dir / "corpus" / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"{seeds} is not available")

    report = ingest_paths([seeds], memory_store)

    assert report.failures == []
    laurent = entity_iri(entity_key(EntityType.PERSON, "Laurent Bernaille"))
    datadog = entity_iri(entity_key(EntityType.ORGANIZATION, "Datadog"))
    rows = memory_store.select(
        f"""SELECT ?source ?start ?end WHERE {{
  {laurent.n3()} {MKG.worksAt.n3()} {datadog.n3()} .
  ?ev {RDF.subject.n3()} {laurent.n3()} ; {RDF.predicate.n3()} {MKG.worksAt.n3()} ;
      {RDF.object.n3()} {datadog.n3()} ; {MKG.startOffset.n3()} ?start ; {MKG.endOffset.n3()} ?end ;
      {PROV.wasDerivedFrom.n3()} ?doc .
  ?doc {MKG.sourcePath.n3()} ?source .
}}"""
    ).rows
    assert rows, "Laurent Bernaille worksAt Datadog was not extracted"
    for row in rows:
        raw = (seeds / row["source"]["value"]).read_text(encoding="utf-8")
        assert "Datadog" in raw[int(row["start"]["value"]) : int(row["end"]["value"])]
    thomas = entity_iri(entity_key(EntityType.PERSON, "Thomas Graf"))
    assert (
        memory_store.select(f"ASK {{ {thomas.n3()} a {MKG.Person.n3()} }}").rows[0]["boolean"]["value"]
        == "true"
    )


def test_parallel_extraction_failure_loses_only_the_bad_document(
    tmp_path: Path, memory_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.md", "b.md", "c.md", "d.md"):
        write(tmp_path / name, GOOD.replace("Meet", f"Meet {name}"))

    def one_by_one(document: Document) -> Extraction:
        if document.source == "b.md":
            raise ValueError("cannot read b")
        return hand_made_extraction(document)

    def batched(documents: Iterable[Document], *, n_process: int = 1) -> Iterator[Extraction]:
        # Like nlp.pipe: takes a batch of two before giving anything back.
        stream = iter(documents)
        while batch := list(itertools.islice(stream, 2)):
            for document in batch:
                yield one_by_one(document)

    monkeypatch.setattr("graph.extraction.extract", one_by_one)
    monkeypatch.setattr("graph.extraction.extract_all", batched)

    report = ingest_paths([tmp_path], memory_store, n_process=2)

    assert [d.source for d in report.documents] == ["a.md", "c.md", "d.md"]
    assert [(f.source, f.code) for f in report.failures] == [("b.md", "internal_error")]
    assert len(memory_store.documents()) == 3
