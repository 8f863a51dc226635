"""Exports: the networkx view for graph tools, and the stored RDF for linked-data tools.

View formats (from `graph.views.project_graph`, filters apply): GraphML, GEXF, Cytoscape JSON,
node-link JSON (D3), DOT, CSV (a zip of nodes.csv and edges.csv). Every view format carries the same
attributes (see `NODE_COLUMNS` / `EDGE_COLUMNS`); XML and CSV formats join lists with "; ", JSON
formats keep lists.

RDF formats (straight from the store, one CONSTRUCT per document graph): Turtle and N-Triples (the
union of all documents), N-Quads and TriG (one named graph per document, evidence included) and
JSON-LD (named graphs kept, context from `graph.vocab.PREFIXES`). Filtered by type or predicate,
they keep only the statements of the filtered view.

Every export is deterministic: the same store gives the same bytes.

Exports are written as they are made, in chunks. RDF formats read one document graph at a time;
Turtle and N-Triples, which merge and sort all documents, sort runs of MERGE_RUN_STATEMENTS statements
into temporary files (in TMPDIR, together about the size of the N-Triples output) and merge them, so
memory stays near the store's own. View formats hold the view (`project_graph`) and write it node by
node, edge by edge (the csv zip, small, is built whole).
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import math
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from functools import cache, lru_cache
from itertools import chain, groupby
from typing import IO, Any, BinaryIO

import networkx as nx
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, XSD

from graph.errors import ExportSpaceExhausted, InvalidParameter, NotFound
from graph.records import EntityType, Predicate
from graph.store.base import Store
from graph.views import EvidenceRef, neighbourhood, project_graph, type_of_key
from graph.vocab import PREFIXES, PROPERTY_OF, document_id_of_iri, document_iri, entity_iri, key_of_entity_iri

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
    "first_date",
    "last_date",
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


def format_of_filename(filename: str) -> str:
    """The export format a file name asks for by its extension (`graph.gexf` -> "gexf")."""
    lowered = filename.lower()
    for name, (_, extension) in EXPORT_FORMATS.items():
        if lowered.endswith(extension):
            return name
    known = ", ".join(sorted(extension for _, extension in EXPORT_FORMATS.values()))
    raise InvalidParameter(
        f"Cannot tell the export format of '{filename}'; name a format or use one of: {known}."
    )


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
        # ISO dates sort as text; "" when no evidence is dated (XML and CSV cannot hold a null).
        "first_date": str(data.get("first_date") or ""),
        "last_date": str(data.get("last_date") or ""),
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


# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe_row(row: dict[str, Any]) -> dict[str, Any]:
    """Replace characters XML cannot hold in a node's or edge's string attributes with U+FFFD, in place.

    Carriage returns become line feeds, as an XML reader would make them in element text anyway.
    """
    for name, value in row.items():
        if isinstance(value, str) and (_NOT_XML.search(value) or "\r" in value):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            row[name] = _NOT_XML.sub("\ufffd", value)
    return row


def _xml_text(text: str) -> str:
    """Element text as ElementTree writes it in ASCII: &, < and > escaped, non-ASCII as references."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _xml_attribute(text: str) -> str:
    """An attribute value as ElementTree writes it in ASCII."""
    text = _xml_text(text).replace('"', "&quot;")
    return text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


_XML_TYPE_NAMES: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}
_GRAPHML_HEAD = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def _xml_type_name(value: Any) -> str:
    """The GraphML (and GEXF) type of an attribute value."""
    try:
        return _XML_TYPE_NAMES[type(value)]
    except KeyError:
        raise InvalidParameter(f"GraphML and GEXF cannot hold a {type(value).__name__} value.") from None


def _graphml_rows(graph: nx.MultiDiGraph) -> Iterator[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """("node" | "edge", element attributes, data attributes) of every node, then every edge."""
    for key, data in graph.nodes(data=True):
        yield "node", (key,), flat_node(data, join_lists=True)
    for u, v, data in graph.edges(data=True):
        row = {"id": edge_id(u, str(data["predicate"]), v), **flat_edge(data, join_lists=True)}
        yield "edge", (u, v, row["id"]), row


def _graphml(graph: nx.MultiDiGraph) -> Iterator[str]:
    """GraphML byte for byte as networkx's writer makes it (named key ids, edge ids from `id`, indented),
    but written element by element instead of as one tree in memory."""
    # networkx declares a key per (name, type, scope) where first used, each above the ones before.
    keys: dict[tuple[str, str, str], None] = {("name", "string", "graph"): None}
    for scope, _, row in _graphml_rows(graph):
        for name, value in row.items():
            keys.setdefault((name, _xml_type_name(value), scope), None)
    yield _GRAPHML_HEAD
    for name, kind, scope in reversed(keys):
        attribute = _xml_attribute(name)
        yield f'  <key id="{attribute}" for="{scope}" attr.name="{attribute}" attr.type="{kind}" />\n'
    yield '  <graph edgedefault="directed">\n'
    for scope, ends, row in _graphml_rows(graph):
        if scope == "node":
            opening = f'    <node id="{_xml_attribute(ends[0])}"'
        else:
            source, target, identifier = (_xml_attribute(end) for end in ends)
            opening = f'    <edge source="{source}" target="{target}" id="{identifier}"'
        if not row:
            yield opening + " />\n"
            continue
        lines = [opening + ">\n"]
        for name, value in _xml_safe_row(row).items():
            text = _xml_text(str(value))
            key = _xml_attribute(name)
            lines.append(
                f'      <data key="{key}">{text}</data>\n' if text else f'      <data key="{key}" />\n'
            )
        lines.append(f"    </{scope}>\n")
        yield "".join(lines)
    yield f'    <data key="name">{_GRAPH_NAME}</data>\n  </graph>\n</graphml>\n'


# GEXF 1.2 as networkx's GEXFWriter writes it, with the date and the networkx version left out.
_GEXF_HEAD = (
    '<gexf{viz} xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
    f"  <meta>\n    <creator>{_GRAPH_NAME}</creator>\n  </meta>\n"
    f'  <graph defaultedgetype="directed" mode="static" name="{_GRAPH_NAME}">\n'
)
_GEXF_VIZ_NAMESPACE = ' xmlns:viz="http://www.gexf.net/1.2draft/viz"'
_GEXF_SPECIAL_FLOATS = {"inf": "INF", "-inf": "-INF", "nan": "NaN"}

# (element name, element attributes, viz:* elements with their attributes, attvalues by title)
_GexfElement = tuple[str, dict[str, str], list[tuple[str, dict[str, str]]], dict[str, Any]]


def _gexf_nodes(graph: nx.MultiDiGraph) -> Iterator[_GexfElement]:
    """Every node, its attributes split as networkx's GEXF writer splits them."""
    for key, data in graph.nodes(data=True):
        row = _xml_safe_row(flat_node(data, join_lists=True))
        attributes = {"id": key, "label": str(row.pop("label"))}
        r, g, b = TYPE_COLOURS.get(row["type"], _DEFAULT_COLOUR)
        viz = [("color", {"r": str(r), "g": str(g), "b": str(b), "a": "1.0"})]
        if "x" in row and "y" in row:
            viz.append(("position", {"x": str(row.pop("x")), "y": str(row.pop("y")), "z": "0.0"}))
        yield "node", attributes, viz, row


def _gexf_edges(graph: nx.MultiDiGraph) -> Iterator[_GexfElement]:
    """Every edge, its attributes split as networkx's GEXF writer splits them."""
    for u, v, k, data in graph.edges(keys=True, data=True):
        row = _xml_safe_row(flat_edge(data, join_lists=True))
        attributes = {
            "source": u,
            "target": v,
            "id": edge_id(u, row["predicate"], v),
            "label": row["predicate"],
            "weight": str(row.pop("weight")),
        }
        # networkx stores the multigraph edge key under this name.
        row["networkx_key"] = k
        yield "edge", attributes, [], row


def _gexf_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    return _GEXF_SPECIAL_FLOATS.get(text, text) if isinstance(value, float) else text


def _gexf_attributes(elements: Iterable[_GexfElement]) -> dict[str, dict[str, tuple[str, str]]]:
    """Attribute declarations per class ("node", "edge"): title -> (id, type), numbered as first used."""
    declared: dict[str, dict[str, tuple[str, str]]] = {}
    count = 0
    for scope, _, _, values in elements:
        for title, value in values.items():
            titles = declared.setdefault(scope, {})
            if title not in titles:
                titles[title] = (str(count), _xml_type_name(value))
                count += 1
    return declared


def _xml_attributes(attributes: dict[str, str]) -> str:
    return "".join(f' {name}="{_xml_attribute(value)}"' for name, value in attributes.items())


def _gexf_section(
    scope: str, elements: Iterable[_GexfElement], declared: dict[str, dict[str, tuple[str, str]]]
) -> Iterator[str]:
    """The <nodes> or <edges> element, one node or edge at a time."""
    empty = True
    for _, attributes, viz, values in elements:
        if empty:
            yield f"    <{scope}s>\n"
            empty = False
        opening = f"      <{scope}{_xml_attributes(attributes)}"
        if not viz and not values:
            yield opening + " />\n"
            continue
        lines = [opening + ">\n"]
        lines.extend(f"        <viz:{tag}{_xml_attributes(parts)} />\n" for tag, parts in viz)
        if values:
            lines.append("        <attvalues>\n")
            for title, value in values.items():
                number = declared[scope][title][0]
                text = _xml_attribute(_gexf_value(value))
                lines.append(f'          <attvalue for="{number}" value="{text}" />\n')
            lines.append("        </attvalues>\n")
        lines.append(f"      </{scope}>\n")
        yield "".join(lines)
    yield f"    <{scope}s />\n" if empty else f"    </{scope}s>\n"


def _gexf(graph: nx.MultiDiGraph) -> Iterator[str]:
    """GEXF byte for byte as networkx's writer makes it, written element by element."""
    declared = _gexf_attributes(chain(_gexf_nodes(graph), _gexf_edges(graph)))
    yield _GEXF_HEAD.format(viz=_GEXF_VIZ_NAMESPACE if graph.number_of_nodes() else "")
    # networkx puts each class's declarations above the ones declared before.
    for scope, titles in reversed(declared.items()):
        lines = [f'    <attributes mode="static" class="{scope}">\n']
        for title, (number, kind) in titles.items():
            lines.append(f'      <attribute id="{number}" title="{_xml_attribute(title)}" type="{kind}" />\n')
        lines.append("    </attributes>\n")
        yield "".join(lines)
    yield from _gexf_section("node", _gexf_nodes(graph), declared)
    yield from _gexf_section("edge", _gexf_edges(graph), declared)
    yield "  </graph>\n</gexf>\n\n"


def _cyjs_nodes(graph: nx.MultiDiGraph) -> Iterator[dict[str, Any]]:
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
        yield element


def _cyjs_edges(graph: nx.MultiDiGraph) -> Iterator[dict[str, Any]]:
    for u, v, k, data in graph.edges(keys=True, data=True):
        attrs = flat_edge(data, join_lists=False)
        yield {
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


class _JsonArray:
    """A JSON array written item by item (see `_json_chunks`)."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _json_chunks(value: Any, level: int = 0) -> Iterator[str]:
    """`json.dumps(value, ensure_ascii=False, indent=2)` in pieces, `_JsonArray`s one item at a time."""
    pad = "  " * level
    if isinstance(value, _JsonArray):
        empty = True
        for item in value.items:
            yield ("[" if empty else ",") + "\n" + pad + "  "
            yield from _json_chunks(item, level + 1)
            empty = False
        yield "[]" if empty else "\n" + pad + "]"
    elif isinstance(value, dict) and any(isinstance(item, (dict, _JsonArray)) for item in value.values()):
        for index, (name, item) in enumerate(value.items()):
            yield (
                ("{" if index == 0 else ",") + "\n" + pad + "  " + json.dumps(name, ensure_ascii=False) + ": "
            )
            yield from _json_chunks(item, level + 1)
        yield "\n" + pad + "}"
    else:
        # json.dumps escapes line feeds inside strings, so "\n" only separates lines of the layout.
        yield json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + pad)


def _cyjs(graph: nx.MultiDiGraph) -> Iterator[str]:
    yield from _json_chunks(
        {
            "format_version": "1.0",
            "generated_by": _GRAPH_NAME,
            "target_cytoscapejs_version": "~3.0",
            "data": {"name": _GRAPH_NAME},
            "directed": True,
            "multigraph": True,
            "elements": {"nodes": _JsonArray(_cyjs_nodes(graph)), "edges": _JsonArray(_cyjs_edges(graph))},
        }
    )
    yield "\n"


def _node_link(graph: nx.MultiDiGraph) -> Iterator[str]:
    """networkx's node-link data (links under "links") of the flat view, item by item."""
    nodes = ({**flat_node(data, join_lists=False), "id": key} for key, data in graph.nodes(data=True))
    links = (
        {
            "id": edge_id(u, str(data["predicate"]), v),
            **flat_edge(data, join_lists=False),
            "source": u,
            "target": v,
            "key": k,
        }
        for u, v, k, data in graph.edges(keys=True, data=True)
    )
    yield from _json_chunks(
        {
            "directed": True,
            "multigraph": True,
            "graph": {"name": _GRAPH_NAME},
            "nodes": _JsonArray(nodes),
            "links": _JsonArray(links),
        }
    )
    yield "\n"


def dot_quote(text: str) -> str:
    """A Graphviz double-quoted string: backslashes, quotes and line breaks escaped, NUL replaced."""
    escaped = text.replace("\x00", "\ufffd").replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\n")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\n")
    return f'"{escaped}"'


def _clip(text: str, limit: int = 1000) -> str:
    """Graphviz refuses quoted strings of 16 KiB and more; tooltips need far less."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
            "tooltip": _clip(row["aliases"] or row["label"]),
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
            "tooltip": _clip(row["evidence"] or row["predicate"]),
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

# One N-Triples statement: subject, predicate, object (the object may hold spaces and dots).
_NT_LINE = re.compile(r"^\s*(<[^>]*>|_:\S+)\s+(<[^>]*>)\s+(.+?)\s*\.\s*$")
_NT_LITERAL = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<([^>]*)>)?$', re.DOTALL)
_NT_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
# Characters canonical N-Triples writes as escapes.
_LITERAL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_CONTROL = re.compile(r"[\x00-\x07\x0b\x0e-\x1f\x7f]")
_LITERAL_ESCAPE_TABLE = str.maketrans(_LITERAL_ESCAPES)
# A lexical form without these is already canonical: nothing to unescape, nothing to escape.
_NOT_CANONICAL = re.compile(r"[\\\x00-\x1f\x7f]")
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_XSD_STRING = str(XSD.string)

Triple = tuple[str, str, str]  # terms in canonical N-Triples syntax


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            return chr(int(code, 16))
        return _ECHARS.get(match.group(3), "\\" + match.group(3))

    return _NT_ESCAPE.sub(replace, text)


def _escape_literal(text: str) -> str:
    escaped = text.translate(_LITERAL_ESCAPE_TABLE)
    return _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04X}", escaped)


def _literal_parts(term: str) -> tuple[str, str | None, str | None] | None:
    """(lexical form, language, datatype IRI) of an N-Triples literal; None for IRIs and blank nodes."""
    match = _NT_LITERAL.match(term)
    if match is None:
        return None
    lexical, language, datatype = match.groups()
    if datatype == _XSD_STRING:
        datatype = None
    return _unescape(lexical), (language.lower() if language else None), datatype


def _canonical_term(term: str, blank_prefix: str) -> str:
    if term.startswith("<"):
        return term
    if term.startswith("_:"):
        # Blank node labels are scoped to one query answer; the prefix keeps documents apart.
        return f"_:{blank_prefix}{term[2:]}"
    match = _NT_LITERAL.match(term)
    if match is None:
        return term
    raw, language, datatype = match.groups()
    if datatype == _XSD_STRING:
        datatype = None
    lexical = raw if _NOT_CANONICAL.search(raw) is None else _escape_literal(_unescape(raw))
    quoted = f'"{lexical}"'
    if language:
        return f"{quoted}@{language.lower()}"
    return f"{quoted}^^<{datatype}>" if datatype else quoted


def _parse_ntriples(data: bytes, blank_prefix: str) -> list[Triple]:
    """Canonical, sorted, de-duplicated statements of an N-Triples answer."""
    triples = set()
    # Split on line feeds only: str.splitlines would also cut at U+0085 or U+2028 inside a literal.
    for line in data.decode("utf-8").split("\n"):
        match = _NT_LINE.match(line)
        if match is None:
            continue  # blank lines and comments
        subject, predicate, obj = match.groups()
        triples.add((_canonical_term(subject, blank_prefix), predicate, _canonical_term(obj, blank_prefix)))
    return sorted(triples)


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


StatementFilter = Callable[[list[Triple]], list[Triple]]


def _construct(store: Store, graph_iri: str, index: int, keep: StatementFilter | None = None) -> list[Triple]:
    node = URIRef(graph_iri)
    data, _ = store.query_raw(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node.n3()} {{ ?s ?p ?o }} }}", "application/n-triples"
    )
    triples = _parse_ntriples(data, f"d{index}x")
    return keep(triples) if keep is not None else triples


def view_statement_filter(view: nx.MultiDiGraph) -> StatementFilter:
    """Keep the statements of one document graph that belong to the view.

    Dropped: statements about entities outside the view or pointing at them, fact triples the view
    does not hold, and evidence nodes of those facts. Documents' own statements stay.
    """
    entities = {f"<{entity_iri(key)}>" for key in view.nodes}
    facts = {
        (f"<{entity_iri(u)}>", f"<{PROPERTY_OF[Predicate(data['predicate'])]}>", f"<{entity_iri(v)}>")
        for u, v, data in view.edges(data=True)
    }
    fact_properties = {f"<{iri}>" for iri in PROPERTY_OF.values()}
    parts = (f"<{RDF.subject}>", f"<{RDF.predicate}>", f"<{RDF.object}>")

    def is_entity(term: str) -> bool:
        key = key_of_entity_iri(term[1:-1]) if term.startswith("<") else None
        return key is not None and type_of_key(key) is not None

    def keep(triples: list[Triple]) -> list[Triple]:
        reified: dict[str, dict[str, str]] = defaultdict(dict)
        for s, p, o in triples:
            if p in parts:
                reified[s][p] = o
        dropped = {
            node for node, spo in reified.items() if tuple(spo.get(part) for part in parts) not in facts
        }
        return [
            (s, p, o)
            for s, p, o in triples
            if s not in dropped
            and not (is_entity(s) and s not in entities)
            and not (is_entity(o) and o not in entities)
            and not (p in fact_properties and (s, p, o) not in facts)
        ]

    return keep


# Distinct statements held in memory while the documents are merged; beyond, sorted runs go to disk.
# On 1M triples N-Triples then peaks at about 145 MiB, against 116 for reading the store alone
# (100k: 171; 25k: 131, for as many runs again).
MERGE_RUN_STATEMENTS = 50_000


def _statement_batches(
    store: Store, graph_iris: list[str], keep: StatementFilter | None
) -> Iterator[set[str]]:
    """The documents' distinct statements as N-Triples lines, in sets of MERGE_RUN_STATEMENTS or more
    (the last one smaller)."""
    pending: set[str] = set()
    for index, graph_iri in enumerate(graph_iris):
        pending.update(f"{s} {p} {o} .\n" for s, p, o in _construct(store, graph_iri, index, keep))
        if len(pending) >= MERGE_RUN_STATEMENTS:
            yield pending
            pending = set()
    if pending:
        yield pending


def _merged_lines(store: Store, graph_iris: list[str], keep: StatementFilter | None) -> Iterator[str]:
    """The union of the documents' statements as sorted, distinct N-Triples lines.

    An entity several documents describe is stated once. Memory stays bounded: every
    MERGE_RUN_STATEMENTS distinct statements are sorted into a temporary file, and the files are merged.
    Sorting lines sorts statements as (subject, predicate, object): the space after a term sorts below
    any character that could continue a longer term (controls in literals are escaped).
    """
    runs: list[IO[str]] = []
    # Closing the generator (or dropping it, as an abandoned download does) closes and deletes the runs.
    with ExitStack() as stack:
        for batch in _statement_batches(store, graph_iris, keep):
            if not runs and len(batch) < MERGE_RUN_STATEMENTS:
                # The first batch is the last: it fits in memory.
                yield from sorted(batch)
                return
            try:
                run = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n"))
                run.writelines(sorted(batch))
                run.seek(0)
            except OSError as error:
                raise ExportSpaceExhausted(
                    f"The export could not write its sorted runs to {tempfile.gettempdir()}: {error}. Free "
                    "space there or point TMPDIR at a disk with room for an N-Triples export of the store, "
                    "or export nquads or trig, which need no temporary space."
                ) from error
            runs.append(run)
        previous = None
        for line in heapq.merge(*runs):
            if line != previous:
                yield line
                previous = line


def _triple_of_line(line: str) -> Triple:
    # Subjects and predicates hold no spaces; the object is the rest, less the closing " .\n".
    subject, predicate, obj = line[:-3].split(" ", 2)
    return subject, predicate, obj


def _context_prefixes() -> dict[str, str]:
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    prefixes.update({"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD)})
    return prefixes


def _prefix_block() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(_context_prefixes().items())) + "\n"


@cache
def _prefixes_longest_first() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_context_prefixes().items(), key=lambda item: -len(item[1])))


# Class and property IRIs recur in every block of a Turtle, TriG or JSON-LD export, entity IRIs within
# a document; a small cache catches nearly all of them (a large one costs memory on big stores).
@lru_cache(maxsize=1024)
def _compact_iri(iri: str) -> str | None:
    """prefix:local for an IRI in a known namespace with a plain local name; None otherwise."""
    for prefix, namespace in _prefixes_longest_first():
        if iri.startswith(namespace) and _LOCAL_NAME.match(iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    return None


def _turtle_term(term: str) -> str:
    if term.startswith("<"):
        return _compact_iri(term[1:-1]) or term
    if term.startswith('"') and term.endswith(">") and "^^<" in term:
        head, _, datatype = term.rpartition("^^<")
        compact = _compact_iri(datatype[:-1])
        return f"{head}^^{compact}" if compact else term
    return term


def _types_first(triples: list[Triple]) -> list[Triple]:
    """Statements by subject, its rdf:type statements first, then by predicate and object."""
    type_iri = f"<{RDF.type}>"
    return sorted(triples, key=lambda triple: (triple[0], triple[1] != type_iri, triple[1], triple[2]))


def _turtle_statements(triples: list[Triple]) -> str:
    """Turtle: one block per subject, types first, predicates joined with `;`, objects with `,`."""
    type_iri = f"<{RDF.type}>"
    blocks = []
    for subject, statements in groupby(_types_first(triples), key=lambda triple: triple[0]):
        lines = []
        for predicate, objects in groupby(statements, key=lambda triple: triple[1]):
            verb = "a" if predicate == type_iri else _turtle_term(predicate)
            lines.append(f"{verb} {', '.join(_turtle_term(obj) for _, _, obj in objects)}")
        blocks.append(f"{_turtle_term(subject)} " + " ;\n    ".join(lines) + " .\n")
    return "\n".join(blocks)


def _jsonld_value(term: str) -> Any:
    if term.startswith("<"):
        return {"@id": term[1:-1]}
    if term.startswith("_:"):
        return {"@id": term}
    parts = _literal_parts(term)
    if parts is None:
        return term
    lexical, language, datatype = parts
    if language:
        return {"@value": lexical, "@language": language}
    if datatype:
        return {"@value": lexical, "@type": _compact_iri(datatype) or datatype}
    return lexical


def _jsonld_nodes(triples: list[Triple]) -> list[dict[str, Any]]:
    """JSON-LD node objects for sorted statements: full IRIs as ids, prefixed names as keys and types."""
    type_iri = f"<{RDF.type}>"
    nodes = []
    for subject, statements in groupby(_types_first(triples), key=lambda triple: triple[0]):
        node: dict[str, Any] = {"@id": subject[1:-1] if subject.startswith("<") else subject}
        for predicate, objects in groupby(statements, key=lambda triple: triple[1]):
            terms = [obj for _, _, obj in objects]
            if predicate == type_iri and all(term.startswith("<") for term in terms):
                types = [_compact_iri(term[1:-1]) or term[1:-1] for term in terms]
                node["@type"] = types[0] if len(types) == 1 else types
                continue
            values = [_jsonld_value(term) for term in terms]
            node[_compact_iri(predicate[1:-1]) or predicate[1:-1]] = values[0] if len(values) == 1 else values
        nodes.append(node)
    return nodes


def _indented_json(data: Any, prefix: str) -> str:
    # json.dumps escapes line feeds inside strings, so "\n" only separates lines of the layout.
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return "\n".join(prefix + line for line in text.split("\n"))


def _rdf_chunks(
    store: Store, name: str, documents: set[str] | None, keep: StatementFilter | None
) -> Iterator[str]:
    graph_iris = _document_graphs(store, documents)
    if name == "nquads":
        for index, graph_iri in enumerate(graph_iris):
            graph_term = f"<{graph_iri}>"
            yield "".join(
                f"{s} {p} {o} {graph_term} .\n" for s, p, o in _construct(store, graph_iri, index, keep)
            )
    elif name == "ntriples":
        yield from _merged_lines(store, graph_iris, keep)
    elif name == "turtle":
        yield _prefix_block()
        subjects = groupby(_merged_lines(store, graph_iris, keep), key=lambda line: line.split(" ", 1)[0])
        for index, (_, lines) in enumerate(subjects):
            triples = [_triple_of_line(line) for line in lines]
            yield ("\n" if index else "") + _turtle_statements(triples)
    elif name == "trig":
        yield _prefix_block()
        for index, graph_iri in enumerate(graph_iris):
            body = _turtle_statements(_construct(store, graph_iri, index, keep))
            yield f"<{graph_iri}> {{\n{body}}}\n\n"
    elif name == "jsonld":
        header = json.dumps({"@context": _context_prefixes()}, ensure_ascii=False, indent=2, sort_keys=True)
        # Left open after the context so the named graphs can follow one by one.
        yield header[: header.rfind("}")].rstrip()
        yield ',\n  "@graph": ['
        for index, graph_iri in enumerate(graph_iris):
            named = {"@id": graph_iri, "@graph": _jsonld_nodes(_construct(store, graph_iri, index, keep))}
            yield ("," if index else "") + "\n" + _indented_json(named, "    ")
        yield "\n  ]\n}\n"


def iter_rdf(
    store: Store,
    fmt: str,
    *,
    documents: set[str] | None = None,
    view: nx.MultiDiGraph | None = None,
) -> Iterator[bytes]:
    """The store's documents (all, or these ids) in an RDF format, as byte chunks.

    With `view`, only the statements about its entities and facts are kept (see
    `view_statement_filter`). Statements are sorted and literals written in canonical N-Triples form,
    so equal stores give equal bytes; blank nodes (the product mints none) get labels prefixed per
    document.
    """
    name = check_format(fmt)
    if name not in RDF_FORMATS:
        raise InvalidParameter(
            f"'{name}' is a graph-view format; RDF formats are: {', '.join(sorted(RDF_FORMATS))}."
        )
    keep = view_statement_filter(view) if view is not None else None
    yield from _encoded(_rdf_chunks(store, name, documents, keep))


# ----------------------------------------------------------------------------------------- the use case


def iter_export(
    store: Store,
    fmt: str,
    *,
    types: set[EntityType] | None = None,
    predicates: set[Predicate] | None = None,
    documents: set[str] | None = None,
    focus: str | None = None,
    hops: int = 1,
    layout: bool = False,
    analytics: bool = False,
) -> Iterator[bytes]:
    """Export the store in any format of EXPORT_FORMATS, as byte chunks (for streaming responses).

    Every format takes the filters, and `focus` (an entity key) keeps only the entities within `hops`
    facts of it; RDF formats so filtered keep the statements of the filtered view (its entities, its
    facts and their evidence). `layout` (x/y positions) and `analytics` (community, pagerank and
    betweenness node attributes, measured on the view before `focus` cuts it) apply to view formats
    only. Errors (unknown format, document or entity, refused option) are raised before the first
    chunk.
    """
    name = check_format(fmt)
    # Resolve the documents now so a bad id fails before the response starts.
    if documents is not None:
        _document_graphs(store, documents)
    if name in RDF_FORMATS:
        if layout or analytics:
            raise InvalidParameter(
                f"'{name}' exports the stored RDF: layout and analytics only apply to the view formats "
                f"({', '.join(sorted(VIEW_FORMATS))})."
            )
        if types is None and predicates is None and focus is None:
            return iter_rdf(store, name, documents=documents)
        view = project_graph(store, types=types, predicates=predicates, documents=documents)
        if focus is not None:
            view = neighbourhood(view, focus, hops)
        return iter_rdf(store, name, documents=documents, view=view)
    graph = project_graph(store, types=types, predicates=predicates, documents=documents)
    if analytics:
        from graph.analytics import analyze, annotate

        annotate(graph, analyze(graph))
    if focus is not None:
        graph = neighbourhood(graph, focus, hops)
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
    focus: str | None = None,
    hops: int = 1,
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
        focus=focus,
        hops=hops,
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
    focus: str | None = None,
    hops: int = 1,
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
            focus=focus,
            hops=hops,
            layout=layout,
            analytics=analytics,
        )
    )
