"""The `mkg` command line: ingest, extract, query, browse, evaluate and serve."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.settings import Settings
from graph import __version__
from graph.errors import InvalidParameter, InvalidQuery, MkgError, StoreUnavailable
from graph.records import EntityType

if TYPE_CHECKING:
    from graph.evaluation import EvaluationReport, Scores
    from graph.ingest import IngestEvent, IngestReport
    from graph.store.base import SelectResult, Store, Term

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="mkg",
    help="maintainer-kg: read writing about open-source people into a knowledge graph with evidence "
    "for every fact, then query it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class TableFormat(StrEnum):
    table = "table"
    json = "json"


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Directory of the embedded store (env MKG_DATA_DIR; default ./data).",
        show_default=False,
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="URL of a remote SPARQL 1.1 server to use instead of the data directory (env MKG_STORE).",
        show_default=False,
    ),
]


# Longest error line the CLI prints: parser messages can list every token they expected.
MAX_ERROR_CHARS = 300


def one_line(detail: str) -> str:
    """The first line of an error's detail, cut to MAX_ERROR_CHARS."""
    first = detail.strip().splitlines()[0] if detail.strip() else detail
    return first if len(first) <= MAX_ERROR_CHARS else first[: MAX_ERROR_CHARS - 1] + "…"


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn product errors into one line on stderr and exit status 1, without a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except MkgError as error:
            err.print(f"[bold red]error[/] ({error.code}): {escape(one_line(error.detail))}", highlight=False)
            raise typer.Exit(1) from None
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as error:
            err.print(f"[bold red]error[/]: {error}", highlight=False)
            raise typer.Exit(1) from None

    return run


def settings_for(data_dir: Path | None, store: str | None) -> Settings:
    """Settings from the environment, with command-line options winning."""
    settings = Settings.from_env()
    if store:
        settings = replace(settings, store_url=store)
    if data_dir is not None:
        settings = replace(settings, data_dir=data_dir, store_url=store)
    return settings


@contextmanager
def opened_store(settings: Settings, *, reading: bool = False) -> Iterator[Store]:
    """The store the settings name, closed on exit (which releases the on-disk lock).

    `reading` (a command that only reads) opens an existing embedded store read-only, so it works
    beside a server that serves the same store read-only (`mkg serve --workers N`).
    """
    from graph.store import open_store
    from graph.store.oxigraph import holds_store

    read_only = settings.read_only or (reading and not settings.store_url and holds_store(settings.data_dir))
    store = open_store(settings.store_location, read_only=read_only)
    try:
        yield store
    finally:
        store.close()


def _json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


# ---------------------------------------------------------------------------------------------------
# ingest
# ---------------------------------------------------------------------------------------------------


@app.command()
@reports_errors
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or directories (searched recursively for .md, .mdx, .markdown, .txt)."),
    ],
    data_dir: DataDirOption = None,
    store: StoreOption = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="Processes for extraction (spaCy n_process).")
    ] = 1,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every stored document.")] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Skip files already stored with the same content and extractor version (after an "
            "interrupted run, or to add only new files).",
        ),
    ] = False,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Extract on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' for a "
            "cluster on this machine. Needs the 'scale' extra (pip install 'maintainer-kg[scale]').",
        ),
    ] = None,
) -> None:
    """Read documents into the graph, one named graph per document.

    A file that cannot be read is reported and skipped; the others are stored. Re-ingesting a file
    replaces its graph (with --resume, an unchanged one is skipped). Each document is stored in one
    transaction, so an interrupted run leaves every document whole or absent. Exit status 1 when any
    file failed.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from graph.ingest import discover, ingest_paths

    files = discover(paths)
    if not files:
        raise InvalidParameter(
            f"No .md, .mdx, .markdown or .txt files under {', '.join(str(p) for p in paths)}."
        )
    settings = settings_for(data_dir, store)
    with (
        opened_store(settings) as target,
        Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[source]}"),
            console=err,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("ingesting", total=len(files), source="")

        def advance(event: IngestEvent) -> None:
            progress.update(task, completed=event.done, source=event.source)

        if dask is None:
            report = ingest_paths(
                paths, target, on_progress=advance, n_process=workers, skip_unchanged=resume
            )
        else:
            report = _ingest_on_dask(dask, paths, target, advance)

    table = Table(title="ingested", show_header=True)
    columns = ("documents", "entities", "facts", "failures", *(("unchanged",) if resume else ()))
    for column in columns:
        table.add_column(column, justify="right")
    counts: tuple[int, ...] = (len(report.documents), report.entities, report.facts, len(report.failures))
    counts += (len(report.skipped),) if resume else ()
    table.add_row(*(str(count) for count in counts))
    if verbose:
        for summary in report.documents:
            found = f"{summary.entities} entities, {summary.facts} facts"
            out.print(f"{summary.source}: {found} -> {summary.document_id}", highlight=False, markup=False)
    out.print(table)
    for failure in report.failures:
        err.print(f"[red]failed[/] {failure.source} ({failure.code}): {failure.detail}", highlight=False)
    if report.failures:
        raise typer.Exit(1)


def _ingest_on_dask(
    address: str, paths: list[Path], target: Store, advance: Callable[[IngestEvent], None]
) -> IngestReport:
    try:
        from graph.distributed import connect, ingest_on_dask
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise InvalidParameter("--dask needs dask.distributed: pip install 'maintainer-kg[scale]'.") from None
    try:
        client = connect(address)
    except (OSError, TimeoutError) as error:
        raise StoreUnavailable(f"Cannot reach the Dask scheduler at {address} ({error}).") from None
    with client:
        return ingest_on_dask(paths, target, client, on_progress=advance)


# ---------------------------------------------------------------------------------------------------
# extract
# ---------------------------------------------------------------------------------------------------


@app.command()
@reports_errors
def extract(
    file: Annotated[Path, typer.Argument(help="A Markdown, MDX or text file.", exists=False)],
    format: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.json,
) -> None:
    """Show the entities and relations read from one file, without storing anything.

    JSON has the shape of the annotated gold files: {"entities": [...], "relations": [...]}.
    """
    from graph.extraction import extract as extract_document
    from graph.extraction import to_gold_json
    from graph.ingest import read_file

    if not file.is_file():
        raise FileNotFoundError(f"{file}: no such file")
    payload = to_gold_json(extract_document(read_file(file, file.name)))
    if format is TableFormat.json:
        _json(payload)
        return
    entities = Table(title=f"entities ({len(payload['entities'])})")
    for column in ("name", "type", "aliases"):
        entities.add_column(column)
    for entity in payload["entities"]:
        entities.add_row(entity["name"], entity["type"], ", ".join(entity.get("aliases", [])))
    relations = Table(title=f"relations ({len(payload['relations'])})")
    for column in ("subject", "predicate", "object", "confidence", "evidence"):
        relations.add_column(column)
    for relation in payload["relations"]:
        evidence = relation.get("evidence", {})
        text = evidence.get("text", "") if isinstance(evidence, dict) else str(evidence)
        relations.add_row(
            relation["subject"],
            relation["predicate"],
            relation["object"],
            f"{relation.get('confidence', 0):.2f}",
            text,
        )
    out.print(entities)
    out.print(relations)


# ---------------------------------------------------------------------------------------------------
# query
# ---------------------------------------------------------------------------------------------------

_MEDIA_TYPES = {
    (QueryFormat.json, False): "application/sparql-results+json",
    (QueryFormat.csv, False): "text/csv",
    (QueryFormat.json, True): "application/ld+json",
    (QueryFormat.table, True): "text/turtle",
    (QueryFormat.csv, True): "application/n-triples",
}


def _short(term: Term) -> str:
    """A term as a readable cell: prefixed IRIs, bare literal values."""
    from graph.vocab import PREFIXES

    value = term.get("value", "")
    if term.get("type") == "uri":
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(str(item[1]))):
            if value.startswith(str(namespace)):
                return f"{prefix}:{value[len(str(namespace)) :]}"
        return f"<{value}>"
    if term.get("type") == "bnode":
        return f"_:{value}"
    return value


def _result_table(result: SelectResult) -> Table:
    table = Table(show_header=True, caption=f"{len(result.rows)} row(s)")
    for variable in result.variables:
        table.add_column(variable)
    for row in result.rows:
        table.add_row(*(_short(row[v]) if v in row else "" for v in result.variables))
    return table


@app.command()
@reports_errors
def query(
    sparql: Annotated[str | None, typer.Argument(help="A SPARQL 1.1 query (or use --file).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from this file.")] = None,
    format: Annotated[
        QueryFormat,
        typer.Option("--format", "-f", help="table, json (SPARQL JSON results) or csv."),
    ] = QueryFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Run a read-only SPARQL query over all documents (their union is the default graph).

    The prefixes rdf:, rdfs:, mkg:, prov: and dcterms: are declared for you. CONSTRUCT and DESCRIBE print
    Turtle (table), JSON-LD (json) or N-Triples (csv).
    """
    from graph.queries import PREFIXES, query_form

    if (sparql is None) == (file is None):
        raise InvalidParameter("Give the query either as an argument or with --file, not both or neither.")
    text = file.read_text(encoding="utf-8") if file is not None else (sparql or "")
    form = query_form(text)
    graph_result = form in {"CONSTRUCT", "DESCRIBE"}
    # Declaring a prefix twice is allowed; the query's own declarations come later and win.
    text = PREFIXES + text
    try:
        _run_query(text, format, graph_result, settings_for(data_dir, store))
    except InvalidQuery as error:
        # Point at the user's line, not at the predeclared prefix lines above it.
        shift = PREFIXES.count("\n")
        raise InvalidQuery(
            re.sub(r"at (\d+):", lambda m: f"at {max(1, int(m.group(1)) - shift)}:", error.detail, count=1)
        ) from None


def _run_query(text: str, format: QueryFormat, graph_result: bool, settings: Settings) -> None:
    with opened_store(settings, reading=True) as target:
        if format is QueryFormat.table and not graph_result:
            out.print(_result_table(target.select(text)))
            return
        body, _ = target.query_raw(text, _MEDIA_TYPES[(format, graph_result)])
    sys.stdout.write(body.decode("utf-8"))
    if body and not body.endswith(b"\n"):
        sys.stdout.write("\n")


# ---------------------------------------------------------------------------------------------------
# documents, entities, show
# ---------------------------------------------------------------------------------------------------


@app.command()
@reports_errors
def documents(
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """List stored documents with their source, title and date."""
    from graph.queries import list_documents

    with opened_store(settings_for(data_dir, store), reading=True) as target:
        items = list_documents(target)
    if format is TableFormat.json:
        _json([asdict(item) for item in items])
        return
    table = Table(caption=f"{len(items)} document(s)")
    for column in ("id", "source", "title", "date"):
        table.add_column(column)
    for item in items:
        table.add_row(item.id, item.source or "", item.title or "", item.date or "")
    out.print(table)


entities_app = typer.Typer(
    help="Find entities; `mkg entities merges` and `mkg entities split ID` show and undo merges.",
    no_args_is_help=False,
)
app.add_typer(entities_app, name="entities")


@entities_app.callback(invoke_without_command=True)
@reports_errors
def entities(
    ctx: typer.Context,
    type: Annotated[EntityType | None, typer.Option("--type", "-t", help="Only this type.")] = None,
    q: Annotated[str | None, typer.Option("--q", "-q", help="Part of a name or alias.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Find entities by type and by part of a name or alias."""
    if ctx.invoked_subcommand is not None:
        return
    from graph.queries import find_entities

    with opened_store(settings_for(data_dir, store), reading=True) as target:
        found = find_entities(target, type=type, q=q, limit=limit, offset=offset)
    if format is TableFormat.json:
        _json([asdict(entity) for entity in found])
        return
    table = Table(caption=f"{len(found)} entit{'y' if len(found) == 1 else 'ies'}")
    for column in ("id", "name", "type", "aliases"):
        table.add_column(column)
    for entity in found:
        table.add_row(entity.key, entity.name, entity.type.value, ", ".join(entity.aliases))
    out.print(table)


@app.command()
@reports_errors
def show(
    id: Annotated[str, typer.Argument(help="Entity id, e.g. person/laurent-bernaille (see `mkg entities`).")],
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Profile of one entity: names, documents and every fact in and out, with evidence."""
    from graph.errors import NotFound
    from graph.queries import entity_profile

    with opened_store(settings_for(data_dir, store), reading=True) as target:
        profile = entity_profile(target, id)
    if profile is None:
        raise NotFound(f"No entity with id {id!r}; `mkg entities --q NAME` finds ids.")
    if format is TableFormat.json:
        _json(asdict(profile))
        return
    out.print(f"[bold]{profile.name}[/] ({profile.type.value}, {profile.key})", highlight=False)
    if profile.aliases:
        out.print(f"also: {', '.join(profile.aliases)}", highlight=False)
    out.print(f"documents: {', '.join(profile.documents)}", highlight=False)
    for title, facts, arrow in (("facts", profile.facts_out, "->"), ("mentioned by", profile.facts_in, "<-")):
        if not facts:
            continue
        out.print(f"\n[bold]{title}[/] ({len(facts)})", highlight=False)
        for fact in facts:
            confidence = "" if fact.confidence is None else f"  confidence {fact.confidence:.2f}"
            evidence = fact.evidence
            where = f"{evidence.document_id} [{evidence.start}:{evidence.end}]"
            out.print(
                f"  {arrow} {fact.predicate.value} {fact.other.name} ({fact.other.key}){confidence}",
                highlight=False,
                markup=False,
            )
            line = f'     "{evidence.text}"  {where} {evidence.date or ""}'
            out.print(line, highlight=False, markup=False)


@app.command()
@reports_errors
def contributions(
    person: Annotated[str | None, typer.Option(help="A person id or part of a name.")] = None,
    project: Annotated[str | None, typer.Option(help="A project id or part of a name.")] = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Who contributed to (or maintains) which project, with evidence."""
    from graph.queries import contributions as find_contributions

    with opened_store(settings_for(data_dir, store), reading=True) as target:
        found = find_contributions(target, person=person, project=project)
    if format is TableFormat.json:
        _json([asdict(item) for item in found])
        return
    for item in found:
        out.print(
            f"{item.person.name} {item.predicate.value} {item.project.name}"
            f"  ({item.evidence.document_id} [{item.evidence.start}:{item.evidence.end}])",
            highlight=False,
            markup=False,
        )
        out.print(f'     "{item.evidence.text}"', highlight=False, markup=False)
    err.print(f"{len(found)} contribution(s)", highlight=False)


@app.command()
@reports_errors
def delete(
    ids: Annotated[list[str], typer.Argument(help="Document ids (see `mkg documents`).")],
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Remove documents and every fact read from them. Exit status 1 when an id is unknown."""
    from graph.queries import document_graph

    unknown = []
    with opened_store(settings_for(data_dir, store)) as target:
        for document_id in ids:
            if target.drop_document(document_graph(document_id)):
                out.print(f"deleted {document_id}", highlight=False, markup=False)
            else:
                unknown.append(document_id)
    for document_id in unknown:
        err.print(f"[red]not found[/] {document_id}", highlight=False)
    if unknown:
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------------------------
# forget, backup, restore
# ---------------------------------------------------------------------------------------------------


@app.command()
@reports_errors
def forget(
    person: Annotated[str, typer.Argument(help="Key (person/jane-doe) or name of the person.")],
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Remove every fact about and mention of a person from every document, and keep them out of later
    ingests (the forget list keeps only a hash of their key). Running it again finishes an interrupted
    run. Exit status 1 when no such person is stored."""
    from graph.forget import forget_entity

    with opened_store(settings_for(data_dir, store)) as target:
        report = forget_entity(target, person)
    out.print(
        f"forgot {report.key}: {report.triples_removed} triples removed from {len(report.graphs)} graphs",
        highlight=False,
        markup=False,
    )


@app.command()
@reports_errors
def backup(
    file: Annotated[Path, typer.Argument(help="N-Quads file to write (replaced atomically).")],
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Write every named graph to FILE as N-Quads, with a header giving version, date, counts, a checksum
    and each document's content hash."""
    from graph.backup import backup as write_backup

    with opened_store(settings_for(data_dir, store), reading=True) as target:
        manifest = write_backup(target, file)
    out.print(
        f"backed up {manifest.graphs} graphs, {manifest.quads} quads to {file}", highlight=False, markup=False
    )


@app.command()
@reports_errors
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `mkg backup`.")],
    data_dir: DataDirOption = None,
    store: StoreOption = None,
    replace_contents: Annotated[
        bool, typer.Option("--replace", help="Replace what the store holds (default: only an empty store).")
    ] = False,
) -> None:
    """Load a backup. The file is checked whole (header, checksum, counts) before anything is written."""
    from graph.backup import restore as read_into

    with opened_store(settings_for(data_dir, store)) as target:
        manifest = read_into(target, file, replace=replace_contents)
    out.print(
        f"restored {manifest.graphs} graphs, {manifest.quads} quads from {file} "
        f"(made {manifest.created} by maintainer-kg {manifest.version})",
        highlight=False,
        markup=False,
    )


# ---------------------------------------------------------------------------------------------------
# entities across documents: merges, splits, the maintainers list, conflicts
# ---------------------------------------------------------------------------------------------------


@entities_app.command("merges")
@app.command()
@reports_errors
def merges(
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """List entity merges (newest first) with the features and score behind each."""
    from graph.reconcile import merge_records

    with opened_store(settings_for(data_dir, store), reading=True) as target:
        found = merge_records(target)
    if format is TableFormat.json:
        _json([asdict(merge) for merge in found])
        return
    table = Table(caption=f"{len(found)} merge(s); `mkg split ID` undoes one")
    for column in ("id (folded key)", "kept key", "features", "score", "at"):
        table.add_column(column)
    for merge in found:
        table.add_row(merge.merged, merge.into, ", ".join(merge.features), f"{merge.score:.2f}", merge.at)
    out.print(table)


@entities_app.command("split")
@app.command()
@reports_errors
def split(
    id: Annotated[str, typer.Argument(help="The key a merge folded away (see `mkg merges`).")],
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Undo a merge: the documents that named ID name it again, and the pair is never merged again."""
    from graph.reconcile import split as split_merge

    with opened_store(settings_for(data_dir, store)) as target:
        undone = split_merge(target, id)
    out.print(f"split {undone.merged} from {undone.into}", highlight=False, markup=False)


@app.command()
@reports_errors
def reconcile(
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Match entities across all stored documents again: tell same-name people apart, merge variants."""
    from graph.reconcile import reconcile as reconcile_store

    with opened_store(settings_for(data_dir, store)) as target:
        report = reconcile_store(target)
    for merge in report.merges:
        line = f"merged {merge.merged} into {merge.into} ({', '.join(merge.features)}; {merge.score:.2f})"
        out.print(line, highlight=False, markup=False)
    for new, document_ids in sorted(report.rekeyed.items()):
        out.print(f"keyed apart {new} in {', '.join(document_ids)}", highlight=False, markup=False)
    err.print(f"{len(report.merges)} merge(s), {len(report.rekeyed)} key(s) told apart", highlight=False)


@app.command("import-maintainers")
@reports_errors
def import_maintainers(
    csv_file: Annotated[Path, typer.Argument(help="The CNCF maintainers list (project-maintainers.csv).")],
    date: Annotated[
        str | None, typer.Option("--date", help="Date of the list, YYYY-MM-DD (default: the file's date).")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Name of the list (default: the file name).")
    ] = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Import the CNCF maintainers list: people, projects, employers, each fact evidenced by its row.

    The list becomes its own named graph; its people are then merged with people read from texts.
    Rows that cannot be read are reported with their line and skipped (exit status 1).
    """
    from graph.maintainers import file_date
    from graph.maintainers import import_maintainers as import_list

    if not csv_file.is_file():
        raise FileNotFoundError(f"{csv_file}: no such file")
    with opened_store(settings_for(data_dir, store)) as target:
        report = import_list(
            target,
            csv_file.read_bytes(),
            source or csv_file.name,
            date=date or file_date(csv_file),
        )
    if format is TableFormat.json:
        _json(asdict(report))
    else:
        table = Table(title=f"imported {report.document_id}")
        for column in ("rows", "people", "projects", "organizations", "facts", "merges", "skipped"):
            table.add_column(column, justify="right")
        counts = (
            report.rows,
            report.people,
            report.projects,
            report.organizations,
            report.facts,
            report.merges,
            len(report.problems),
        )
        table.add_row(*(str(count) for count in counts))
        out.print(table)
    for problem in report.problems:
        err.print(f"[red]skipped[/] line {problem.line}: {problem.detail}", highlight=False)
    if report.problems:
        raise typer.Exit(1)


@app.command()
@reports_errors
def conflicts(
    person: Annotated[str | None, typer.Option("--person", help="Only this person id.")] = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """People whose employer differs between sources; the most recent source gives the current one."""
    from graph.conflicts import all_conflicts
    from graph.conflicts import conflicts as person_conflicts

    with opened_store(settings_for(data_dir, store), reading=True) as target:
        found = person_conflicts(target, person) if person else all_conflicts(target)
    if format is TableFormat.json:
        _json([asdict(conflict) for conflict in found])
        return
    for conflict in found:
        now = f"{conflict.person}: now at {conflict.current.organization_name}"
        out.print(now, highlight=False, markup=False)
        for claim in conflict.claims:
            line = f'  {claim.date or "?"}  {claim.organization_name}  ({claim.document_id}) "{claim.text}"'
            out.print(line, highlight=False, markup=False)
    err.print(f"{len(found)} conflict(s)", highlight=False)


# ---------------------------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------------------------


def _scores(scores: Scores) -> str:
    return f"{scores.precision:.3f} {scores.recall:.3f} {scores.f1:.3f}"


def _evaluation_table(report: EvaluationReport) -> Table:
    table = Table(title="extraction against gold (precision recall F1)")
    table.add_column("file", overflow="fold")
    for group in ("entities typed", "entities untyped", "relations"):
        table.add_column(group, justify="right", no_wrap=True)
    for score in report.files:
        table.add_row(
            Path(score.file).stem,
            _scores(score.entities_typed),
            _scores(score.entities_untyped),
            _scores(score.relations),
        )
    table.add_section()
    table.add_row(
        "[bold]micro total[/]",
        _scores(report.entities_typed),
        _scores(report.entities_untyped),
        _scores(report.relations),
    )
    return table


@app.command()
@reports_errors
def evaluate(
    gold: Annotated[Path, typer.Option("--gold", help="Directory of gold JSON files.")],
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="Directory of the texts (default GOLD/../corpus).")
    ] = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
) -> None:
    """Score extraction against hand-annotated files: entity (typed, untyped) and relation P/R/F1."""
    from graph.evaluation import evaluate_gold

    if not gold.is_dir():
        raise FileNotFoundError(f"{gold}: not a directory of gold files")
    report = evaluate_gold(gold, corpus)
    if format is TableFormat.json:
        _json(report.to_dict())
        return
    out.print(_evaluation_table(report))


# ---------------------------------------------------------------------------------------------------
# serve
# ---------------------------------------------------------------------------------------------------


@app.command()
@reports_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes. With the embedded store, more than one serves it read-only "
            "(writes are refused; ingest with the server stopped); a remote store (--store) takes writes.",
        ),
    ] = 1,
    read_only: Annotated[
        bool,
        typer.Option("--read-only", help="Refuse every write (implied by --workers > 1, embedded store)."),
    ] = False,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs, SPARQL at /sparql)."""
    import uvicorn

    settings = settings_for(data_dir, store)
    # The embedded store has one writer: several processes can share it only if none of them writes.
    if read_only or (workers > 1 and not settings.store_url):
        settings = replace(settings, read_only=True)
        if workers > 1 and not settings.store_url:
            typer.echo(
                f"Serving {settings.data_dir} read-only with {workers} processes: writes are refused; "
                "stop the server to ingest.",
                err=True,
            )
    # Fail here, in one line, if the store is locked or unreachable, rather than in the server log.
    with opened_store(settings):
        pass
    # The app is built by each server process from the environment.
    os.environ["MKG_DATA_DIR"] = str(settings.data_dir)
    os.environ["MKG_READ_ONLY"] = "1" if settings.read_only else "0"
    if settings.store_url:
        os.environ["MKG_STORE"] = settings.store_url
    else:
        os.environ.pop("MKG_STORE", None)
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


# ---------------------------------------------------------------------------------------------------
# bench
# ---------------------------------------------------------------------------------------------------


@app.command()
@reports_errors
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="Small inputs: a few minutes in all.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only this part: extraction, store or dask (repeatable)."),
    ] = None,
) -> None:
    """Run the benchmarks (from a source checkout) and write benchmarks/results/<quick|full>.json; a full
    run of every part also writes its figures into docs/performance.md."""
    import subprocess

    # The benchmarks live beside the packages in the repository; they are not installed with them.
    root = Path(__file__).resolve().parents[1]
    if not (root / "benchmarks" / "__main__.py").is_file():
        raise InvalidParameter(
            "The benchmarks ship with the source repository, not the installed package; "
            "run `mkg bench` from an editable install of a checkout (pip install -e .)."
        )
    command = [sys.executable, "-m", "benchmarks", *(["--quick"] if quick else [])]
    for part in only or ():
        command += ["--only", part]
    status = subprocess.run(command, cwd=root, check=False).returncode
    if status:
        raise typer.Exit(status)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mkg {__version__}")
        raise typer.Exit()


@app.callback()
def cli(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """maintainer-kg: a knowledge graph of open-source people, with evidence for every fact."""


def main() -> None:
    """Entry point of the `mkg` console script."""
    app()


from api import cli_graph  # noqa: E402, F401  (registers `mkg export` and `mkg analyze`)
