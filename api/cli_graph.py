"""`mkg export` and `mkg analyze`: the graph as files for graph and RDF tools, and who matters in it.

Registered on the `mkg` app when api.cli imports this module.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli import (
    DataDirOption,
    StoreOption,
    TableFormat,
    app,
    opened_store,
    out,
    reports_errors,
    settings_for,
)
from graph.errors import InvalidParameter
from graph.exports import EXPORT_FORMATS, FORMAT_DESCRIPTIONS, check_format, format_of_filename, iter_export
from graph.records import EntityType, Predicate

_FORMATS = ", ".join(EXPORT_FORMATS)

TypeOption = Annotated[
    list[EntityType] | None, typer.Option("--type", "-t", help="Only this entity type (repeat for more).")
]
PredicateOption = Annotated[
    list[Predicate] | None, typer.Option("--predicate", "-p", help="Only this predicate (repeat for more).")
]
DocumentOption = Annotated[
    list[str] | None, typer.Option("--document", "-d", help="Only this document id (repeat for more).")
]


@app.command("export")
@reports_errors
def export_graph(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; standard output without it.")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help=f"One of {_FORMATS}; default: from the --output extension, else graphml."
        ),
    ] = None,
    type: TypeOption = None,
    predicate: PredicateOption = None,
    document: DocumentOption = None,
    focus: Annotated[
        str | None, typer.Option("--focus", help="Only the entities near this one (an entity id).")
    ] = None,
    hops: Annotated[int, typer.Option("--hops", min=0, max=6, help="Facts away from --focus.")] = 1,
    layout: Annotated[bool, typer.Option("--layout", help="Add x/y positions (view formats).")] = False,
    analytics: Annotated[
        bool, typer.Option("--analytics", help="Add community, pagerank and betweenness (view formats).")
    ] = False,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Write the graph for Gephi, Cytoscape, Graphviz, D3, spreadsheets or RDF tools.

    View formats: graphml, gexf, cyjs, node-link, dot, csv (a zip). RDF formats: turtle, trig, jsonld,
    ntriples, nquads. See docs/exports.md for opening each in its tool.
    """
    if format is not None:
        name = check_format(format)
    elif output is not None:
        name = format_of_filename(output.name)
    else:
        name = "graphml"
    if output is None and name == "csv" and sys.stdout.isatty():
        raise InvalidParameter("The csv export is a zip archive; write it to a file with --output graph.zip.")
    with opened_store(settings_for(data_dir, store), reading=True) as source:
        chunks = iter_export(
            source,
            name,
            types=set(type) if type else None,
            predicates=set(predicate) if predicate else None,
            documents=set(document) if document else None,
            focus=focus,
            hops=hops,
            layout=layout,
            analytics=analytics,
        )
        if output is None:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        # Written beside the target and renamed at the end: a failed export leaves no half file.
        partial = output.with_name(output.name + ".part")
        try:
            with partial.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    typer.echo(f"wrote {output} ({FORMAT_DESCRIPTIONS[name]})", err=True)


@app.command()
@reports_errors
def analyze(
    type: TypeOption = None,
    predicate: PredicateOption = None,
    document: DocumentOption = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="People, projects and bridges listed.")] = 10,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Who matters and who connects: PageRank of people and projects, communities and bridges."""
    from graph.analytics import analyze as analyze_view
    from graph.views import project_graph

    with opened_store(settings_for(data_dir, store), reading=True) as source:
        view = project_graph(
            source,
            types=set(type) if type else None,
            predicates=set(predicate) if predicate else None,
            documents=set(document) if document else None,
        )
    result = analyze_view(view, limit=limit)
    if format is TableFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    out.print(
        f"{result.nodes} entities ({result.isolated} without facts), {result.edges} facts, "
        f"{result.components} connected parts",
        highlight=False,
    )
    for title, ranked in (("people", result.people), ("projects", result.projects)):
        table = Table(title=title)
        for column in ("id", "name", "pagerank", "facts"):
            table.add_column(column, justify="right" if column in ("pagerank", "facts") else "left")
        for entity in ranked:
            table.add_row(entity.key, entity.label, f"{entity.score:.4f}", str(entity.degree))
        out.print(table)
    communities = Table(title="communities")
    for column in ("#", "named after", "size", "members"):
        communities.add_column(column)
    for community in [c for c in result.communities if c.size > 1][:limit]:
        names = ", ".join(view.nodes[key].get("label", key) for key in community.members[:5])
        more = f" … (+{community.size - 5})" if community.size > 5 else ""
        communities.add_row(str(community.id), community.label, str(community.size), names + more)
    out.print(communities)
    bridges = Table(title="bridges")
    for column in ("id", "name", "communities", "betweenness"):
        bridges.add_column(column)
    for bridge in result.bridges:
        spans = ", ".join(str(c) for c in bridge.communities)
        bridges.add_row(bridge.key, bridge.label, spans, f"{bridge.betweenness:.4f}")
    out.print(bridges)
