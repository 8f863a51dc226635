"""The ingest use case: files -> documents -> facts with evidence -> one named graph per document."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graph.documents import DOCUMENT_SUFFIXES, MAX_DOCUMENT_BYTES, read_document
from graph.errors import DocumentTooLarge, MkgError
from graph.records import Document, Extraction
from graph.store.base import Store
from graph.vocab import MKG, document_iri

log = logging.getLogger(__name__)

Extractor = Callable[[Document], Extraction]


@dataclass(frozen=True)
class DocumentSummary:
    """What one stored document contributed to the graph."""

    document_id: str
    iri: str
    entities: int
    facts: int
    source: str = ""


@dataclass(frozen=True)
class IngestFailure:
    """A file that was skipped, with the error code and a message saying what to do."""

    source: str
    code: str
    detail: str


@dataclass(frozen=True)
class IngestEvent:
    """Progress of `ingest_paths`: sent once per file, after it was stored or skipped."""

    source: str
    done: int
    total: int
    summary: DocumentSummary | None = None
    failure: IngestFailure | None = None
    skipped: bool = False  # already stored with the same content (`skip_unchanged`)


@dataclass
class IngestReport:
    """Outcome of an ingest run: the documents stored and the files skipped, each in the order met."""

    documents: list[DocumentSummary] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sources already stored unchanged

    @property
    def entities(self) -> int:
        return sum(d.entities for d in self.documents)

    @property
    def facts(self) -> int:
        return sum(d.facts for d in self.documents)


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


# Files that describe a folder of posts rather than being one.
FOLDER_NOTES = frozenset({"readme.md", "sources.md", "license.md", "changelog.md"})


def discover(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Document files under `paths`, each with its source name, sorted by source.

    A directory is searched recursively (hidden files and directories skipped) and its files are named
    by their path relative to it; a file argument is named by its file name. Suffixes are
    `DOCUMENT_SUFFIXES`. A folder's own notes (README.md, SOURCES.md, LICENSE.md) are not posts and are
    skipped in directory scans; named as a file argument they are read. A path that does not exist raises
    FileNotFoundError.
    """
    found: dict[str, Path] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for candidate in path.rglob("*"):
                if (
                    candidate.is_file()
                    and candidate.suffix.lower() in DOCUMENT_SUFFIXES
                    and not _is_hidden(candidate, path)
                    and candidate.name.lower() not in FOLDER_NOTES
                ):
                    found.setdefault(candidate.relative_to(path).as_posix(), candidate)
        elif path.is_file():
            found.setdefault(path.name, path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return [(found[source], source) for source in sorted(found)]


def stored_content_hashes(store: Store) -> dict[str, tuple[str, str | None]]:
    """Content hash and extractor version of every stored document, by document graph IRI."""
    rows = store.select(
        f"SELECT ?g ?h ?v WHERE {{ GRAPH ?g {{ ?g <{MKG.contentHash}> ?h "
        f"OPTIONAL {{ ?g <{MKG.extractorVersion}> ?v }} }} }}"
    ).rows
    return {
        row["g"]["value"]: (row["h"]["value"], row["v"]["value"] if "v" in row else None)
        for row in rows
        if "g" in row and "h" in row
    }


def _default_extractor_version() -> str:
    from graph.extraction import EXTRACTOR_VERSION

    return EXTRACTOR_VERSION


def _default_extractor() -> Extractor:
    # Imported here so that the store, the API and the CLI load without spaCy until extraction runs.
    from graph.extraction import extract

    return extract


def store_extraction(extraction: Extraction, store: Store, *, reconcile: bool = True) -> DocumentSummary:
    """Replace the document's named graph in `store` with the triples of this extraction.

    Entities merged earlier are stored under their kept key; with `reconcile`, the document's entities
    are then matched with those of other documents (graph/reconcile.py). Forgotten people
    (graph/forget.py) are left out.
    """
    from graph.forget import forgotten_key_hashes, without_forgotten
    from graph.rdf import extraction_to_graph, to_ntriples
    from graph.reconcile import load_canonical_keys, rekey_ntriples

    # People forgotten on request stay out, whatever the document says.
    extraction = without_forgotten(extraction, forgotten_key_hashes(store))
    document = extraction.document
    iri = str(document_iri(document.id))
    ntriples = to_ntriples(extraction_to_graph(extraction))
    store.add_document(iri, rekey_ntriples(ntriples, load_canonical_keys(store)))
    if reconcile:
        reconcile_documents(store, [document.id])
    return DocumentSummary(
        document_id=document.id,
        iri=iri,
        entities=len(extraction.entities),
        facts=len(extraction.facts),
        source=document.source,
    )


def reconcile_documents(store: Store, document_ids: Sequence[str]) -> None:
    """Match the entities of these stored documents with the rest; a failure is logged, nothing lost."""
    from graph.reconcile import reconcile

    if not document_ids:
        return
    try:
        reconcile(store, document_ids=document_ids)
    except MkgError as error:
        # The documents are stored; only the cross-document matching is missing and `mkg reconcile`
        # can run it again.
        log.warning("reconciliation failed (%s): %s", error.code, error.detail)


def ingest_document(
    document: Document, store: Store, *, extractor: Extractor | None = None
) -> DocumentSummary:
    """Extract the facts of one document and store them as its named graph (replacing any earlier one)."""
    extract = extractor or _default_extractor()
    return store_extraction(extract(document), store)


def read_file(path: Path, source: str) -> Document:
    """Read a document file, refusing one over `MAX_DOCUMENT_BYTES` without loading all of it."""
    with path.open("rb") as handle:
        data = handle.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(
            f"{source}: larger than {MAX_DOCUMENT_BYTES} bytes; split it into smaller documents."
        )
    return read_document(data, source)


def _failure(source: str, error: Exception) -> IngestFailure:
    if isinstance(error, MkgError):
        return IngestFailure(source, error.code, error.detail)
    if isinstance(error, OSError):
        return IngestFailure(source, "unreadable_file", f"{source}: {error.strerror or error}")
    # Reported to the caller as a failure; the traceback is kept for debugging only.
    log.debug("extraction failed for %s", source, exc_info=error)
    return IngestFailure(
        source, MkgError.code, f"{source}: extraction failed ({type(error).__name__}: {error}); file skipped."
    )


def _extractions(
    documents: Iterable[Document], extractor: Extractor | None, n_process: int
) -> Iterator[tuple[Document, Extraction | Exception]]:
    """Extraction of each document, or the error that stopped it, in input order."""
    remaining = iter(documents)
    if extractor is None and n_process > 1:
        from graph.extraction import extract_all

        # Documents handed to the parallel pipeline and not yet given back: if it fails, they are
        # extracted again one by one, so that only the bad document is lost.
        pending: deque[Document] = deque()

        def handed_over() -> Iterator[Document]:
            for document in remaining:
                pending.append(document)
                yield document

        try:
            for extraction in extract_all(handed_over(), n_process=n_process):
                yield pending.popleft(), extraction
            return
        except Exception:  # one bad document must not lose the others
            log.warning("parallel extraction stopped; going on one document at a time")
        remaining = itertools.chain(list(pending), remaining)
    extract = extractor or _default_extractor()
    for document in remaining:
        try:
            yield document, extract(document)
        except Exception as error:  # reported as a failure of this file only
            yield document, error


def ingest_paths(
    paths: Sequence[Path],
    store: Store,
    *,
    on_progress: Callable[[IngestEvent], None] | None = None,
    n_process: int = 1,
    extractor: Extractor | None = None,
    skip_unchanged: bool = False,
) -> IngestReport:
    """Ingest every document file under `paths`; a file that fails is reported and skipped.

    `n_process` > 1 extracts with that many spaCy processes. `on_progress` is called once per file.
    With `skip_unchanged`, a file whose document is already stored with the same content hash (and, with
    the default extractor, the same extractor version) is not extracted again: an interrupted run
    resumes where it stopped.
    """
    files = discover(paths)
    total = len(files)
    report = IngestReport()
    done = 0
    from graph.rdf import content_hash

    stored = stored_content_hashes(store) if skip_unchanged else {}
    version = _default_extractor_version() if skip_unchanged and extractor is None and stored else None

    def record(
        source: str, summary: DocumentSummary | None, failure: IngestFailure | None, skipped: bool = False
    ) -> None:
        nonlocal done
        done += 1
        if summary is not None:
            report.documents.append(summary)
        if failure is not None:
            report.failures.append(failure)
        if skipped:
            report.skipped.append(source)
        if on_progress is not None:
            on_progress(IngestEvent(source, done, total, summary, failure, skipped))

    def unchanged(document: Document) -> bool:
        known = stored.get(str(document_iri(document.id)))
        if known is None or known[0] != content_hash(document.raw):
            return False
        return version is None or known[1] == version

    def readable() -> Iterator[Document]:
        # Read lazily, so that a large corpus is never all in memory at once.
        for path, source in files:
            try:
                document = read_file(path, source)
            except (MkgError, OSError) as error:
                record(source, None, _failure(source, error))
                continue
            if stored and unchanged(document):
                record(source, None, None, skipped=True)
                continue
            yield document

    for document, outcome in _extractions(readable(), extractor, n_process):
        if isinstance(outcome, Exception):
            record(document.source, None, _failure(document.source, outcome))
            continue
        try:
            summary = store_extraction(outcome, store, reconcile=False)
        except MkgError as error:
            record(document.source, None, _failure(document.source, error))
        else:
            record(document.source, summary, None)
    # Once for the whole run: each pass reads every entity of the store.
    reconcile_documents(store, [summary.document_id for summary in report.documents])
    return report
