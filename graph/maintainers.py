"""The CNCF maintainers list (a CSV) as a document graph: people, projects, employers, with each row as
the evidence of its facts.

The list is read as a `Document` whose text is the CSV itself, so every fact's evidence is the row:
raw[start:end] is the row's text and `mkg:sourceRow` its line. Its quirks: the Project (and maturity)
cell is blank on rows that continue the project above; cells may span lines; GitHub handles may be
blank; company cells such as "Independent", "N/A" or "-" name no employer. A row that cannot be read
is reported with its line and skipped.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import XSD

from graph.errors import InvalidMaintainersList
from graph.records import (
    Document,
    DocumentMetadata,
    Entity,
    EntityType,
    Evidence,
    Extraction,
    Fact,
    Predicate,
)
from graph.store.base import Store
from graph.vocab import MKG, document_iri, entity_key, evidence_iri

PROVENANCE = "CNCF maintainers list"
EXTRACTOR_VERSION = "mkg-maintainers-list/1"
RULE = "cncf_maintainers_list"
MAINTAINER_CONFIDENCE = 0.95
EMPLOYER_CONFIDENCE = 0.9

# Company cells that name no employer.
NO_EMPLOYER = frozenset(
    {
        "",
        "-",
        "--",
        "n/a",
        "na",
        "none",
        "independent",
        "self",
        "self-employed",
        "unaffiliated",
        "individual",
        "personal",
        "freelance",
        "freelancer",
        "unknown",
        "?",
    }
)
# Header cells (folded) naming each column the importer reads.
_COLUMNS = {
    "project": ("project", "project name"),
    "name": ("maintainer name", "name", "maintainer"),
    "company": ("company", "organization", "organisation", "employer", "affiliation"),
    "handle": ("github name", "github", "github handle", "handle", "github username"),
}
_LEGAL_SUFFIX = re.compile(
    r"[\s,]+(inc\.?|incorporated|llc|ltd\.?|limited|gmbh|corp\.?|corporation|co\.,? ltd\.?"
    r"|s\.?a\.?|b\.?v\.?|ag)$",
    re.IGNORECASE,
)
# A parenthesised part of a project cell that names a group of the project, not the project.
_ROLE = re.compile(r"\s*\(([^()]*(?:committee|voting|members|maintainers|governance)[^()]*)\)", re.IGNORECASE)
_PARENTHESIS = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<inner>[^()]+)\)$")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class MaintainerRow:
    """One row of the list, with its place in the file."""

    line: int  # first line of the row, from 1
    start: int  # raw offsets of the row's text (without the line break)
    end: int
    project: str
    name: str
    company: str | None
    handle: str | None


@dataclass(frozen=True)
class RowProblem:
    """A row that was skipped, and why."""

    line: int
    detail: str


@dataclass(frozen=True)
class MaintainersList:
    """What was read from a maintainers list: the extraction to store, and the rows that were skipped."""

    extraction: Extraction
    rows: tuple[MaintainerRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def people(self) -> int:
        return sum(1 for e in self.extraction.entities if e.type is EntityType.PERSON)

    @property
    def projects(self) -> int:
        return sum(1 for e in self.extraction.entities if e.type is EntityType.PROJECT)

    @property
    def organizations(self) -> int:
        return sum(1 for e in self.extraction.entities if e.type is EntityType.ORGANIZATION)


@dataclass(frozen=True)
class MaintainersImport:
    """The outcome of importing a list into the store."""

    document_id: str
    rows: int
    people: int
    projects: int
    organizations: int
    facts: int
    problems: tuple[RowProblem, ...]
    merges: int


# ---------------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------------


def _clean(cell: str) -> str:
    """A cell as one line: inner line breaks and runs of spaces become one space."""
    return " ".join(cell.split())


def organization_name(cell: str) -> str | None:
    """The employer a company cell names, legal form dropped ('Chainguard, Inc' -> 'Chainguard');
    None for cells such as 'Independent' or 'N/A'."""
    text = _clean(cell)
    if text.casefold() in NO_EMPLOYER:
        return None
    while (stripped := _LEGAL_SUFFIX.sub("", text).strip(" ,")) != text and stripped:
        text = stripped
    return text or None


def project_name(cell: str) -> tuple[str, tuple[str, ...]]:
    """The project a project cell names and its other names.

    'Kubernetes maintainers' -> 'Kubernetes'; 'Tekton (Governance Committee)' -> 'Tekton';
    'TUF (The Update Framework)' -> 'TUF' also known as 'The Update Framework'.
    """
    text = _ROLE.sub("", _clean(cell)).strip()
    text = re.sub(r"\s+maintainers$", "", text, flags=re.IGNORECASE).strip() or _clean(cell)
    aliases: list[str] = []
    if (match := _PARENTHESIS.match(text)) is not None:
        aliases.append(match["inner"].strip())
        text = match["name"].strip()
    if text != _clean(cell):
        aliases.append(_clean(cell))
    return text, tuple(dict.fromkeys(a for a in aliases if a and a != text))


def github_handle(cell: str) -> str | None:
    """The GitHub login a handle cell gives ('@lbernail', 'https://github.com/lbernail' -> 'lbernail')."""
    text = _clean(cell)
    if not text:
        return None
    text = re.sub(r"^(?:https?://)?(?:www\.)?github\.com/", "", text, flags=re.IGNORECASE)
    text = text.strip().lstrip("@").strip("/")
    first = text.split()[0] if text.split() else ""
    return first if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]|_)*", first) else None


# ---------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------


def _records(text: str) -> Iterator[tuple[int, int, int, list[str] | RowProblem]]:
    """(first line, start, end, cells or a problem) of each CSV record, in order."""
    lines = _LINE.findall(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    reader = csv.reader(iter(lines), strict=True)
    consumed = 0
    while True:
        first = consumed
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            consumed = reader.line_num
            start, end = starts[first], starts[max(consumed, first + 1)]
            yield first + 1, start, _trim(text, start, end), RowProblem(first + 1, f"not valid CSV ({error})")
            continue
        consumed = reader.line_num
        start, end = starts[first], starts[consumed]
        yield first + 1, start, _trim(text, start, end), cells


def _trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return end


def _header_columns(cells: Sequence[str]) -> dict[str, int] | None:
    folded = [_clean(c).casefold() for c in cells]
    columns: dict[str, int] = {}
    for field_name, names in _COLUMNS.items():
        for index, cell in enumerate(folded):
            if cell in names:
                columns[field_name] = index
                break
    return columns if {"project", "name"} <= set(columns) else None


def read_rows(text: str) -> tuple[list[MaintainerRow], list[RowProblem]]:
    """The rows of a maintainers list, the project carried down, and the rows that were skipped.

    Raises InvalidMaintainersList when no header names a Project and a Maintainer Name column.
    """
    rows: list[MaintainerRow] = []
    problems: list[RowProblem] = []
    columns: dict[str, int] | None = None
    project = ""
    for line, start, end, cells in _records(text):
        if isinstance(cells, RowProblem):
            problems.append(cells)
            continue
        if not any(c.strip() for c in cells):
            continue
        if columns is None:
            columns = _header_columns(cells)
            if columns is None:
                raise InvalidMaintainersList(
                    f"Line {line} is not a header naming the columns; a maintainers list starts with a "
                    "row such as 'Project,Maintainer Name,Company,Github Name'."
                )
            continue
        width = max(columns.values()) + 1
        if len(cells) < width:
            problems.append(RowProblem(line, f"{len(cells)} cell(s) where {width} were expected"))
            continue
        if cells[columns["project"]].strip():
            project = _clean(cells[columns["project"]])
        name = _clean(cells[columns["name"]])
        if not name:
            problems.append(RowProblem(line, "no maintainer name"))
            continue
        if not project:
            problems.append(RowProblem(line, "no project on this row or any row above"))
            continue
        company = _clean(cells[columns["company"]]) if "company" in columns else ""
        handle = github_handle(cells[columns["handle"]]) if "handle" in columns else None
        rows.append(MaintainerRow(line, start, end, project, name, company or None, handle))
    if columns is None:
        raise InvalidMaintainersList("The file has no header row; it does not look like a maintainers list.")
    return rows, problems


# ---------------------------------------------------------------------------------------------------
# Rows -> an extraction
# ---------------------------------------------------------------------------------------------------


def read_maintainers(
    data: str | bytes,
    source: str,
    *,
    date: str | None = None,
    document_id: str | None = None,
) -> MaintainersList:
    """The list as an extraction: one Person, Project and Organization per name, and for each row a
    `maintainerOf` fact and (unless the company cell names no employer) a `worksAt` fact, the row being the
    evidence. Pure: nothing is stored.

    `date` (ISO) is when the list was published or fetched; it dates every fact. Two rows with the same
    name, different GitHub handles and different employers are two people: the second is keyed
    `person/name--handle`.
    """
    from graph.documents import document_id_for
    from graph.reconcile import long_form

    text = _decode(data, source)
    rows, problems = read_rows(text)
    document = Document(
        id=document_id or document_id_for(source),
        source=source,
        raw=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        metadata=DocumentMetadata(title=PROVENANCE, date=date),
    )
    entities: dict[str, Entity] = {}
    person_by_handle: dict[str, str] = {}
    first_seen: dict[str, tuple[str | None, str | None]] = {}
    facts: list[Fact] = []

    def add(entity: Entity) -> str:
        known = entities.get(entity.key)
        if known is None:
            entities[entity.key] = entity
        else:
            aliases = tuple(dict.fromkeys((*known.aliases, *entity.aliases)))
            handles = tuple(dict.fromkeys((*known.handles, *entity.handles)))
            entities[entity.key] = replace(known, aliases=aliases, handles=handles)
        return entity.key

    for row in rows:
        person = _person_key(row, person_by_handle, first_seen)
        add(Entity(person, row.name, EntityType.PERSON, handles=(row.handle,) if row.handle else ()))
        name, aliases = project_name(row.project)
        project = add(Entity(entity_key(EntityType.PROJECT, name), name, EntityType.PROJECT, aliases))
        evidence = Evidence(document.id, text[row.start : row.end], row.start, row.end, date)
        facts.append(Fact(person, Predicate.MAINTAINER_OF, project, evidence, MAINTAINER_CONFIDENCE, RULE))
        organization = organization_name(row.company or "")
        if organization is not None:
            # 'AWS' and 'Amazon Web Services' rows name one employer.
            organization = long_form(organization) or organization
            cell = _clean(row.company or "")
            org_aliases = (cell,) if cell != organization else ()
            employer = add(
                Entity(
                    entity_key(EntityType.ORGANIZATION, organization),
                    organization,
                    EntityType.ORGANIZATION,
                    org_aliases,
                )
            )
            facts.append(Fact(person, Predicate.WORKS_AT, employer, evidence, EMPLOYER_CONFIDENCE, RULE))
    unique = list({(f.subject, f.predicate, f.object, f.evidence.start): f for f in facts}.values())
    extraction = Extraction(
        document=document,
        mentions=(),
        entities=tuple(sorted(entities.values(), key=lambda e: e.key)),
        facts=tuple(unique),
        extractor_version=EXTRACTOR_VERSION,
    )
    return MaintainersList(extraction, tuple(rows), tuple(problems))


def _person_key(
    row: MaintainerRow, by_handle: dict[str, str], first_seen: dict[str, tuple[str | None, str | None]]
) -> str:
    """The person's key: by handle when that handle was seen, else by name.

    The same name with another handle and another employer is another person, keyed
    `person/name--handle`; with the same employer it is one person with two accounts.
    """
    folded = row.handle.casefold() if row.handle else None
    if folded is not None and folded in by_handle:
        return by_handle[folded]
    employer = organization_name(row.company or "")
    key = entity_key(EntityType.PERSON, row.name)
    if key in first_seen:
        earlier_handle, earlier_employer = first_seen[key]
        if folded and earlier_handle and earlier_handle != folded and employer != earlier_employer:
            key = f"{key}--{entity_key(EntityType.PERSON, row.handle or '').split('/', 1)[1]}"
    first_seen.setdefault(key, (folded, employer))
    if folded is not None:
        by_handle[folded] = key
    return key


def _decode(data: str | bytes, source: str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if b"\x00" in data[:8192]:
        from graph.errors import BinaryDocument

        raise BinaryDocument(f"{source}: binary data, not a CSV file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidMaintainersList(
            f"{source}: not UTF-8 (byte {error.start}); save the CSV as UTF-8 and import it again."
        ) from error


def maintainers_graph(listing: MaintainersList) -> Graph:
    """The list's named graph: the extraction's triples plus the row line of each fact's evidence."""
    from graph.rdf import extraction_to_graph

    graph = extraction_to_graph(listing.extraction)
    document = listing.extraction.document
    lines = {row.start: row.line for row in listing.rows}
    for index, fact in enumerate(listing.extraction.facts):
        line = lines.get(fact.evidence.start)
        if line is not None:
            graph.add((evidence_iri(document.id, index), MKG.sourceRow, Literal(line, datatype=XSD.integer)))
    return graph


# ---------------------------------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------------------------------


def file_date(path: Path) -> str:
    """The file's modification date (UTC) as an ISO date."""
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()


def import_maintainers(
    store: Store,
    data: str | bytes,
    source: str,
    *,
    date: str | None = None,
    document_id: str | None = None,
    reconcile: bool = True,
) -> MaintainersImport:
    """Store a maintainers list as its own named graph (replacing an earlier import of the same source),
    then match its people with those read from texts."""
    from graph.rdf import to_ntriples
    from graph.reconcile import load_canonical_keys, rekey_ntriples
    from graph.reconcile import reconcile as reconcile_store

    if date is not None:
        try:
            date = dt.date.fromisoformat(date).isoformat()
        except ValueError as error:
            from graph.errors import InvalidParameter

            raise InvalidParameter(f"date {date!r} is not an ISO date (YYYY-MM-DD).") from error
    from graph.forget import forgotten_key_hashes, without_forgotten

    listing = read_maintainers(data, source, date=date, document_id=document_id)
    # A list must not bring back a person who asked to be forgotten, any more than a post may.
    kept = without_forgotten(listing.extraction, forgotten_key_hashes(store))
    listing = dataclasses.replace(listing, extraction=kept)
    document = listing.extraction.document
    ntriples = to_ntriples(maintainers_graph(listing))
    store.add_document(str(document_iri(document.id)), rekey_ntriples(ntriples, load_canonical_keys(store)))
    merges = 0
    if reconcile:
        merges = len(reconcile_store(store, document_ids=[document.id]).merges)
    return MaintainersImport(
        document_id=document.id,
        rows=len(listing.rows),
        people=listing.people,
        projects=listing.projects,
        organizations=listing.organizations,
        facts=len(listing.extraction.facts),
        problems=listing.problems,
        merges=merges,
    )
