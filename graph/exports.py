"""Exports: the networkx view for graph tools, and the stored RDF for linked-data tools.

View formats (from `graph.views.project_graph`, filters apply): GraphML, GEXF, Cytoscape JSON,
node-link JSON (D3), DOT, CSV (a zip of nodes.csv and edges.csv). Every view format carries the same
attributes (see `NODE_COLUMNS` / `EDGE_COLUMNS`); XML and CSV formats join lists with "; ", JSON
formats keep lists.

RDF formats (straight from the store, one CONSTRUCT per document graph): Turtle and N-Triples (the
union of all documents), N-Quads and TriG (one named graph per document, evidence included) and
JSON-LD (named graphs kept, context from `graph.vocab.PREFIXES`).

Every export is deterministic: the same store gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from graph.errors import InvalidParameter, NotFound
from graph.records import EntityType, Predicate
from graph.store.base import Store
from graph.views import EvidenceRef, project_graph
from graph.vocab import PREFIXES, document_id_of_iri, document_iri

# name -> (media type, file extension)
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "graphml": ("application/graphml+xml", ".graphml"),
    "gexf": ("application/gexf+xml", ".gexf"),
    "cyjs": ("application/json", ".cyjs"),
    "node-link": ("application/json", ".json"),
    "dot": ("text/vnd.graphviz", ".dot"),
    "csv": ("application/zip", ".zip"),
    "turtle": ("text/turtle", ".ttl"),
    "trig": ("application/trig", ".trig"),
    "jsonld": ("application/ld+json", ".jsonld"),
    "ntriples": ("application/n-triples", ".nt"),
    "nquads": ("application/n-quads", ".nq"),
}
VIEW_FORMATS = frozenset({"graphml", "gexf", "cyjs", "node-link", "dot", "csv"})
RDF_FORMATS = frozenset({"turtle", "trig", "jsonld", "ntriples", "nquads"})
# What each format is for, for `--help` texts and the API's format listing.
FORMAT_DESCRIPTIONS: dict[str, str] = {
    "graphml": "GraphML for Gephi, yEd, Cytoscape and networkx",
    "gexf": "GEXF 1.2 for Gephi (colours by entity type)",
    "cyjs": "Cytoscape JSON for Cytoscape desktop and Cytoscape.js",
    "node-link": "node-link JSON for D3 force layouts (nodes + links)",
    "dot": "Graphviz DOT for dot / neato / sfdp",
    "csv": "zip of nodes.csv and edges.csv for spreadsheets and Gephi's import",
    "turtle": "RDF Turtle, all documents merged",
    "trig": "RDF TriG, one named graph per document",
    "jsonld": "JSON-LD with one named graph per document",
    "ntriples": "RDF N-Triples, all documents merged, sorted",
    "nquads": "RDF N-Quads, one named graph per document, sorted",
}

# Attributes every view format writes, in order; optional ones only when the view has them.
NODE_COLUMNS: tuple[str, ...] = ("label", "type", "iri", "aliases", "handles", "documents", "degree")
NODE_OPTIONAL_COLUMNS: tuple[str, ...] = ("community", "pagerank", "betweenness", "x", "y")
EDGE_COLUMNS: tuple[str, ...] = (
    "predicate",
    "confidence",
    "evidence_count",
    "weight",
    "documents",
    "evidence",
)
LIST_SEPARATOR = "; "
LAYOUT_SEED = 7
# networkx's force layout of a component above this size needs scipy.
MAX_LAYOUT_NODES = 499
LAYOUT_UNIT = 60.0  # half the width of a one-node component's box
LAYOUT_GAP = 30.0

TYPE_COLOURS: dict[str, tuple[int, int, int]] = {
    EntityType.PERSON.value: (78, 121, 167),
    EntityType.PROJECT.value: (242, 142, 43),
    EntityType.ORGANIZATION.value: (89, 161, 79),
    EntityType.CONFERENCE.value: (225, 87, 89),
    EntityType.TECHNOLOGY.value: (118, 183, 178),
}
_DEFAULT_COLOUR = (160, 160, 160)
_GRAPH_NAME = "maintainer-kg"
_CHUNK = 1 << 16


def check_format(fmt: str) -> str:
    """The format name, lower-cased; InvalidParameter listing the formats when it is unknown."""
    name = fmt.strip().lower()
    if name not in EXPORT_FORMATS:
        raise InvalidParameter(
            f"Unknown export format '{fmt}'; choose one of: {', '.join(sorted(EXPORT_FORMATS))}."
        )
    return name


def edge_id(subject: str, predicate: str, obj: str) -> str:
    """Stable id of a view edge."""
    return f"{subject}|{predicate}|{obj}"


def _colour_hex(kind: str) -> str:
    r, g, b = TYPE_COLOURS.get(kind, _DEFAULT_COLOUR)
    return f"#{r:02x}{g:02x}{b:02x}"


# ---------------------------------------------------------------------------------------------- layout


def _component_layout(simple: nx.Graph, nodes: list[str], seed: int) -> dict[str, tuple[float, float]]:
    """Positions of one connected component inside [-1, 1] x [-1, 1]."""
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}
    sub = simple.subgraph(nodes)
    try:
        positions = nx.spring_layout(
            sub, seed=seed, scale=1.0, method="force" if len(nodes) < 500 else "auto"
        )
    except ImportError as error:
        # networkx lays out 500+ nodes with scipy's sparse matrices.
        raise InvalidParameter(
            f"A connected part of this view has {len(nodes)} entities; laying out more than "
            f"{MAX_LAYOUT_NODES} at once needs scipy (pip install scipy). Export without layout and "
            "lay it out in Gephi or Cytoscape, or filter the view."
        ) from error
    return {key: (float(x), float(y)) for key, (x, y) in positions.items()}


def layout_positions(graph: nx.MultiDiGraph, *, seed: int = LAYOUT_SEED) -> dict[str, tuple[float, float]]:
    """x/y positions of every node, deterministic for a seed and rounded to 0.01.

    Each connected component gets a spring layout sized by the square root of its node count, and the
    components are packed in rows, largest first (isolated entities end up in a grid at the bottom).
    """
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes))
    simple.add_edges_from(sorted((u, v) for u, v in graph.edges() if u != v))
    components = sorted(
        (sorted(component) for component in nx.connected_components(simple)),
        key=lambda nodes: (-len(nodes), nodes[0]),
    )
    boxes = [LAYOUT_UNIT * max(1.0, math.sqrt(len(nodes))) for nodes in components]
    row_limit = max([*boxes, math.sqrt(sum((2 * r + LAYOUT_GAP) ** 2 for r in boxes))]) * 1.2
    positions: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for nodes, radius in zip(components, boxes, strict=True):
        size = 2 * radius + LAYOUT_GAP
        if x > 0 and x + size > row_limit:
            x, y, row_height = 0.0, y + row_height, 0.0
        centre_x, centre_y = x + size / 2, y + size / 2
        for key, (px, py) in _component_layout(simple, nodes, seed).items():
            positions[key] = (round(centre_x + px * radius, 2), round(centre_y + py * radius, 2))
        x += size
        row_height = max(row_height, size)
    return positions


def with_layout(graph: nx.MultiDiGraph, *, seed: int = LAYOUT_SEED) -> nx.MultiDiGraph:
    """A copy of the view with `x` and `y` node attributes from `layout_positions`."""
    laid = graph.copy()
    for key, (x, y) in layout_positions(graph, seed=seed).items():
        laid.nodes[key]["x"] = x
        laid.nodes[key]["y"] = y
    return laid


# ------------------------------------------------------------------------------------- flat attributes


def _flat_value(value: Any, join_lists: bool) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [str(item) for item in value]
        return LIST_SEPARATOR.join(items) if join_lists else items
    return value


def _best_evidence(evidence: Iterable[EvidenceRef]) -> str:
    return next((ref.text for ref in evidence), "")


def flat_node(data: dict[str, Any], *, join_lists: bool) -> dict[str, Any]:
    """A node's export attributes in column order (lists joined with "; " when `join_lists`)."""
    row: dict[str, Any] = {}
    for column in NODE_COLUMNS:
        value = data.get(column)
        if column in ("aliases", "handles", "documents"):
            value = value if value is not None else []
        elif column == "degree":
            value = int(value or 0)
        else:
            value = "" if value is None else str(value)
        row[column] = _flat_value(value, join_lists)
    for column in NODE_OPTIONAL_COLUMNS:
        if data.get(column) is not None:
            value = data[column]
            row[column] = int(value) if column == "community" else float(value)
    return row


def flat_edge(data: dict[str, Any], *, join_lists: bool) -> dict[str, Any]:
    """An edge's export attributes in column order (evidence reduced to its best sentence)."""
    count = int(data.get("evidence_count", 0))
    return {
        "predicate": str(data["predicate"]),
        "confidence": float(data.get("confidence", 0.0)),
        "evidence_count": count,
        # Gephi and Cytoscape read `weight`; a fact stored without evidence still counts once.
        "weight": float(max(count, 1)),
        "documents": _flat_value(list(data.get("documents", [])), join_lists),
        "evidence": _best_evidence(data.get("evidence", ())),
    }


def flat_graph(graph: nx.MultiDiGraph, *, join_lists: bool) -> nx.MultiDiGraph:
    """The view with export attributes only: scalars (and lists unless `join_lists`)."""
    flat = nx.MultiDiGraph(name=_GRAPH_NAME)
    for key, data in graph.nodes(data=True):
        flat.add_node(key, **flat_node(data, join_lists=join_lists))
    for u, v, k, data in graph.edges(keys=True, data=True):
        flat.add_edge(
            u, v, key=k, id=edge_id(u, str(data["predicate"]), v), **flat_edge(data, join_lists=join_lists)
        )
    return flat


# ------------------------------------------------------------------------------------------ view writers


def _graphml(graph: nx.MultiDiGraph) -> Iterator[str]:
    flat = flat_graph(graph, join_lists=True)
    yield from (
        line + "\n" for line in nx.generate_graphml(flat, named_key_ids=True, edge_id_from_attribute="id")
    )


def _gexf(graph: nx.MultiDiGraph) -> Iterator[str]:
    flat = flat_graph(graph, join_lists=True)
    for key, data in flat.nodes(data=True):
        r, g, b = TYPE_COLOURS.get(data["type"], _DEFAULT_COLOUR)
        viz: dict[str, Any] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}}
        if "x" in data and "y" in data:
            viz["position"] = {"x": data.pop("x"), "y": data.pop("y"), "z": 0.0}
        flat.nodes[key]["viz"] = viz
    for _, _, data in flat.edges(data=True):
        data["label"] = data["predicate"]
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    # The writer stamps today's date and the networkx version; pin both so exports are reproducible.
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.attrib.pop("lastmodifieddate", None)
        creator = meta.find("creator")
        if creator is not None:
            creator.text = _GRAPH_NAME
    writer.add_graph(flat)
    yield str(writer)
    yield "\n"


def _cyjs_data(graph: nx.MultiDiGraph) -> dict[str, Any]:
    nodes = []
    for key, data in graph.nodes(data=True):
        attrs = flat_node(data, join_lists=False)
        x, y = attrs.pop("x", None), attrs.pop("y", None)
        element: dict[str, Any] = {
            # `value` lets networkx.cytoscape_graph read the file back; `name` is Cytoscape's label column.
            "data": {
                "id": key,
                "value": key,
                "name": attrs["label"],
                **attrs,
                "color": _colour_hex(attrs["type"]),
            }
        }
        if x is not None and y is not None:
            element["position"] = {"x": x, "y": y}
        nodes.append(element)
    edges = []
    for u, v, k, data in graph.edges(keys=True, data=True):
        attrs = flat_edge(data, join_lists=False)
        edges.append(
            {
                "data": {
                    "id": edge_id(u, attrs["predicate"], v),
                    "source": u,
                    "target": v,
                    "key": k,
                    # Cytoscape desktop's default edge column for the relation.
                    "interaction": attrs["predicate"],
                    **attrs,
                }
            }
        )
    return {
        "format_version": "1.0",
        "generated_by": _GRAPH_NAME,
        "target_cytoscapejs_version": "~3.0",
        "data": {"name": _GRAPH_NAME},
        "directed": True,
        "multigraph": True,
        "elements": {"nodes": nodes, "edges": edges},
    }


def _json_text(data: Any) -> Iterator[str]:
    yield json.dumps(data, ensure_ascii=False, indent=2)
    yield "\n"


def _cyjs(graph: nx.MultiDiGraph) -> Iterator[str]:
    yield from _json_text(_cyjs_data(graph))


def _node_link(graph: nx.MultiDiGraph) -> Iterator[str]:
    data = nx.node_link_data(flat_graph(graph, join_lists=False), edges="links")
    yield from _json_text(data)


def dot_quote(text: str) -> str:
    """A Graphviz double-quoted string: backslashes, quotes and line breaks escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\n")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\n")
    return f'"{escaped}"'


def _dot_attrs(attrs: dict[str, Any]) -> str:
    return ", ".join(f"{name}={dot_quote(str(value))}" for name, value in attrs.items())


def _dot(graph: nx.MultiDiGraph) -> Iterator[str]:
    yield f"digraph {dot_quote(_GRAPH_NAME)} {{\n"
    yield '  graph [rankdir="LR", overlap="false"];\n'
    yield '  node [shape="box", style="rounded,filled", fontname="Helvetica", fontcolor="white"];\n'
    yield '  edge [fontname="Helvetica", fontsize="10"];\n'
    for key, data in graph.nodes(data=True):
        row = flat_node(data, join_lists=True)
        attrs: dict[str, Any] = {
            "label": row["label"],
            "type": row["type"],
            "fillcolor": _colour_hex(row["type"]),
            "tooltip": row["aliases"] or row["label"],
            "degree": row["degree"],
        }
        for column in ("community", "pagerank"):
            if column in row:
                attrs[column] = row[column]
        if "x" in row and "y" in row:
            # `neato -n` keeps these positions (points).
            # Graphviz's y axis points up, the other tools' down: flip so every tool shows the same picture.
            attrs["pos"] = f"{row['x']},{-row['y']}!"
        yield f"  {dot_quote(key)} [{_dot_attrs(attrs)}];\n"
    for u, v, data in graph.edges(data=True):
        row = flat_edge(data, join_lists=True)
        attrs = {
            "label": row["predicate"],
            "confidence": f"{row['confidence']:.4g}",
            "evidence_count": row["evidence_count"],
            "tooltip": row["evidence"] or row["predicate"],
        }
        yield f"  {dot_quote(u)} -> {dot_quote(v)} [{_dot_attrs(attrs)}];\n"
    yield "}\n"


def _csv_text(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_tables(graph: nx.MultiDiGraph) -> dict[str, bytes]:
    """nodes.csv and edges.csv of the view (ids in the `id`, `source`, `target` columns)."""
    node_rows = [(key, flat_node(data, join_lists=True)) for key, data in graph.nodes(data=True)]
    optional = [c for c in NODE_OPTIONAL_COLUMNS if any(c in row for _, row in node_rows)]
    node_header = ["id", *NODE_COLUMNS, *optional]
    nodes = _csv_text(
        node_header,
        ([key, *(row.get(c, "") for c in node_header[1:])] for key, row in node_rows),
    )
    edge_header = ["id", "source", "target", *EDGE_COLUMNS]
    edges = _csv_text(
        edge_header,
        (
            [edge_id(u, str(data["predicate"]), v), u, v, *flat_edge(data, join_lists=True).values()]
            for u, v, data in graph.edges(data=True)
        ),
    )
    return {"nodes.csv": nodes, "edges.csv": edges}


def _csv_zip(graph: nx.MultiDiGraph) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in csv_tables(graph).items():
            # A fixed timestamp keeps the archive byte-identical between runs.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


_TEXT_WRITERS: dict[str, Callable[[nx.MultiDiGraph], Iterator[str]]] = {
    "graphml": _graphml,
    "gexf": _gexf,
    "cyjs": _cyjs,
    "node-link": _node_link,
    "dot": _dot,
}


def _encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 chunks of about _CHUNK bytes from many small strings."""
    pending: list[str] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= _CHUNK:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode("utf-8")


def iter_view(
    graph: nx.MultiDiGraph, fmt: str, *, layout: bool = False, seed: int = LAYOUT_SEED
) -> Iterator[bytes]:
    """The view serialized in a view format, as byte chunks. `layout` adds spring-layout x/y."""
    name = check_format(fmt)
    if name not in VIEW_FORMATS:
        raise InvalidParameter(
            f"'{name}' is an RDF format, exported from the store; view formats are: "
            f"{', '.join(sorted(VIEW_FORMATS))}."
        )
    if layout:
        graph = with_layout(graph, seed=seed)
    if name == "csv":
        yield _csv_zip(graph)
        return
    yield from _encoded(_TEXT_WRITERS[name](graph))


def write_view(
    graph: nx.MultiDiGraph, fmt: str, out: BinaryIO, *, layout: bool = False, seed: int = LAYOUT_SEED
) -> None:
    """Write the view to a binary stream in a view format."""
    for chunk in iter_view(graph, fmt, layout=layout, seed=seed):
        out.write(chunk)


# ------------------------------------------------------------------------------------------- RDF writers


def _document_graphs(store: Store, documents: set[str] | None) -> list[str]:
    stored = store.documents()
    if documents is None:
        return stored
    wanted = {str(document_iri(document_id_of_iri(doc) or doc)) for doc in documents}
    missing = sorted(wanted - set(stored))
    if missing:
        names = ", ".join(document_id_of_iri(iri) or iri for iri in missing)
        raise NotFound(f"No stored document with id {names}; list documents to see their ids.")
    return sorted(wanted)


def _construct(store: Store, graph_iri: str) -> Graph:
    node = URIRef(graph_iri)
    data, _ = store.query_raw(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node.n3()} {{ ?s ?p ?o }} }}", "application/n-triples"
    )
    graph = Graph(identifier=node)
    graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def _bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in _context_prefixes().items():
        graph.bind(prefix, namespace, override=True, replace=True)


def _context_prefixes() -> dict[str, str]:
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    prefixes.update({"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD)})
    return prefixes


def _sorted_ntriples(graph: Graph) -> list[str]:
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted({line for line in text.splitlines() if line.strip()})


def _turtle_body(graph: Graph) -> str:
    _bind_prefixes(graph)
    text = graph.serialize(format="turtle", encoding="utf-8").decode("utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("@prefix")).strip()


def _prefix_block() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(_context_prefixes().items())) + "\n"


def _sorted_jsonld(value: Any) -> Any:
    """JSON-LD with object keys and unordered arrays sorted, so equal graphs give equal text."""
    if isinstance(value, dict):
        return {
            key: (
                [_sorted_jsonld(item) for item in item_list]
                if key == "@list" and isinstance(item_list := value[key], list)
                else _sorted_jsonld(value[key])
            )
            for key in sorted(value)
        }
    if isinstance(value, list):
        items = [_sorted_jsonld(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value


def _jsonld_nodes(graph: Graph) -> list[Any]:
    context = _context_prefixes()
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    data = json.loads(text)
    if isinstance(data, dict):
        data.pop("@context", None)
        nodes = data.get("@graph", [data] if data else [])
    else:
        nodes = data
    return list(_sorted_jsonld(nodes))


def _rdf_chunks(store: Store, name: str, documents: set[str] | None) -> Iterator[str]:
    graph_iris = _document_graphs(store, documents)
    if name == "nquads":
        for graph_iri in graph_iris:
            graph_term = URIRef(graph_iri).n3()
            for line in _sorted_ntriples(_construct(store, graph_iri)):
                yield line[: line.rstrip().rfind(".")].rstrip() + f" {graph_term} .\n"
    elif name == "ntriples":
        lines: set[str] = set()
        for graph_iri in graph_iris:
            lines.update(_sorted_ntriples(_construct(store, graph_iri)))
        yield from (line + "\n" for line in sorted(lines))
    elif name == "turtle":
        union = Graph()
        for graph_iri in graph_iris:
            for triple in _construct(store, graph_iri):
                union.add(triple)
        yield _prefix_block()
        body = _turtle_body(union)
        if body:
            yield body + "\n"
    elif name == "trig":
        yield _prefix_block()
        for graph_iri in graph_iris:
            # Not indented: the body may hold multi-line literals, whose lines must stay as they are.
            body = _turtle_body(_construct(store, graph_iri))
            yield f"{URIRef(graph_iri).n3()} {{\n{body}\n}}\n\n"
    elif name == "jsonld":
        context = json.dumps({"@context": _context_prefixes()}, ensure_ascii=False, indent=2, sort_keys=True)
        yield context[: context.rstrip().rfind("}")].rstrip() + ',\n  "@graph": ['
        for index, graph_iri in enumerate(graph_iris):
            named = {"@id": graph_iri, "@graph": _jsonld_nodes(_construct(store, graph_iri))}
            text = json.dumps(named, ensure_ascii=False, indent=2)
            yield ("," if index else "") + "\n" + "\n".join("    " + line for line in text.splitlines())
        yield "\n  ]\n}\n"


def iter_rdf(store: Store, fmt: str, *, documents: set[str] | None = None) -> Iterator[bytes]:
    """The store's documents (all, or these ids) in an RDF format, as byte chunks."""
    name = check_format(fmt)
    if name not in RDF_FORMATS:
        raise InvalidParameter(
            f"'{name}' is a graph-view format; RDF formats are: {', '.join(sorted(RDF_FORMATS))}."
        )
    yield from _encoded(_rdf_chunks(store, name, documents))


# ----------------------------------------------------------------------------------------- the use case


def iter_export(
    store: Store,
    fmt: str,
    *,
    types: set[EntityType] | None = None,
    predicates: set[Predicate] | None = None,
    documents: set[str] | None = None,
    layout: bool = False,
    analytics: bool = False,
) -> Iterator[bytes]:
    """Export the store in any format of EXPORT_FORMATS, as byte chunks (for streaming responses).

    View formats accept every filter, `layout` (x/y positions) and `analytics` (community, pagerank
    and betweenness node attributes); RDF formats accept only `documents`.
    Errors (unknown format, unknown document, refused option) are raised before the first chunk.
    """
    name = check_format(fmt)
    if name in RDF_FORMATS:
        if types is not None or predicates is not None or layout or analytics:
            raise InvalidParameter(
                f"'{name}' exports the stored RDF as it is: only the documents filter applies. "
                "Use a view format (graphml, gexf, cyjs, node-link, dot, csv) to filter by type or "
                "predicate, lay out or annotate."
            )
        # Resolve the documents now so a bad id fails before the response starts.
        _document_graphs(store, documents)
        return iter_rdf(store, name, documents=documents)
    if documents is not None:
        _document_graphs(store, documents)
    graph = project_graph(store, types=types, predicates=predicates, documents=documents)
    if analytics:
        from graph.analytics import analyze, annotate

        annotate(graph, analyze(graph))
    if layout:
        graph = with_layout(graph)
    return iter_view(graph, name)


def export(
    store: Store,
    fmt: str,
    out: BinaryIO,
    *,
    types: set[EntityType] | None = None,
    predicates: set[Predicate] | None = None,
    documents: set[str] | None = None,
    layout: bool = False,
    analytics: bool = False,
) -> None:
    """Write an export of the store to a binary stream (see `iter_export`)."""
    for chunk in iter_export(
        store,
        fmt,
        types=types,
        predicates=predicates,
        documents=documents,
        layout=layout,
        analytics=analytics,
    ):
        out.write(chunk)


def export_bytes(
    store: Store,
    fmt: str,
    *,
    types: set[EntityType] | None = None,
    predicates: set[Predicate] | None = None,
    documents: set[str] | None = None,
    layout: bool = False,
    analytics: bool = False,
) -> bytes:
    """An export of the store as bytes (see `iter_export`)."""
    return b"".join(
        iter_export(
            store,
            fmt,
            types=types,
            predicates=predicates,
            documents=documents,
            layout=layout,
            analytics=analytics,
        )
    )
