"""Exports: golden files, round trips through the readers of each format, validity, determinism.

Golden files live in tests/golden/; after an intended change, regenerate them with
`MKG_UPDATE_GOLDEN=1 pytest tests/test_exports.py` and review the diff.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.readwrite.gexf import GEXFWriter
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib import namespace as rdf_namespaces
from rdflib.compare import isomorphic

import graph.exports as graph_exports
from graph.errors import ExportSpaceExhausted, InvalidParameter, NotFound
from graph.exports import (
    EXPORT_FORMATS,
    MAX_LAYOUT_NODES,
    RDF_FORMATS,
    TYPE_COLOURS,
    VIEW_FORMATS,
    csv_tables,
    dot_quote,
    export,
    export_bytes,
    flat_graph,
    format_of_filename,
    iter_export,
    iter_view,
    layout_positions,
    with_layout,
)
from graph.records import EntityType, Predicate
from graph.store import open_memory_store
from graph.views import project_graph
from graph.vocab import MKG, document_iri, entity_iri
from tests.views_fixture import (
    DATADOG,
    EBPF,
    ENTITIES,
    KUBERNETES,
    LAURENT,
    RENEE,
    XDP,
    DatasetStore,
    document_graph,
    load_fixture,
    memory_stores,
)

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("MKG_UPDATE_GOLDEN") == "1"
# The zip container is checked through its members: deflate output may differ between zlib builds.
TEXT_FORMATS = sorted(set(EXPORT_FORMATS) - {"csv"})

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.*is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]


@pytest.fixture(scope="module", params=[name for name, _ in memory_stores()])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    loaded = load_fixture(dict(memory_stores())[request.param])
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def view(store: Any) -> nx.MultiDiGraph:
    return project_graph(store)


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if not path.exists():
        pytest.fail(f"missing golden file {path}; run with MKG_UPDATE_GOLDEN=1 to create it")
    with path.open(encoding="utf-8", newline="") as golden:
        assert data.decode("utf-8") == golden.read()


def view_signature(graph: nx.MultiGraph | nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(str(u), str(data["predicate"]), str(v)) for u, v, data in graph.edges(data=True)}


# ----------------------------------------------------------------------------------------- the table


def test_every_format_has_a_media_type_an_extension_and_a_source() -> None:
    assert set(EXPORT_FORMATS) == VIEW_FORMATS | RDF_FORMATS
    assert not VIEW_FORMATS & RDF_FORMATS
    for media_type, extension in EXPORT_FORMATS.values():
        assert "/" in media_type and extension.startswith(".")


def test_unknown_format_is_refused_with_the_list_of_formats(store: Any) -> None:
    with pytest.raises(InvalidParameter, match="graphml"):
        export_bytes(store, "svg")


# -------------------------------------------------------------------------------------------- goldens


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_export_matches_golden_file(store: Any, fmt: str) -> None:
    check_golden("fixture" + EXPORT_FORMATS[fmt][1], export_bytes(store, fmt))


def test_csv_export_matches_golden_tables(store: Any) -> None:
    with zipfile.ZipFile(io.BytesIO(export_bytes(store, "csv"))) as archive:
        assert archive.namelist() == ["nodes.csv", "edges.csv"]
        for member in archive.namelist():
            check_golden("fixture." + member, archive.read(member))


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_export_is_byte_identical_across_runs_and_store_engines(fmt: str) -> None:
    outputs = {export_bytes(load_fixture(s), fmt) for _, s in memory_stores()}
    outputs.add(export_bytes(load_fixture(DatasetStore()), fmt))
    assert len(outputs) == 1


def test_streamed_chunks_and_written_stream_equal_the_bytes(store: Any) -> None:
    for fmt in ("gexf", "nquads"):
        out = io.BytesIO()
        export(store, fmt, out)
        assert out.getvalue() == b"".join(iter_export(store, fmt)) == export_bytes(store, fmt)


# ---------------------------------------------------------------------------------------- round trips


def test_graphml_reads_back_with_typed_attributes(store: Any, view: nx.MultiDiGraph) -> None:
    graph = nx.read_graphml(io.BytesIO(export_bytes(store, "graphml")), force_multigraph=True)
    assert set(graph.nodes) == set(view.nodes)
    assert view_signature(graph) == view_signature(view)
    renee = graph.nodes[RENEE]
    assert renee["label"] == "Renée O'Brien"
    assert renee["aliases"] == 'Ree "the kernel"; Renée'
    assert renee["degree"] == 5 and isinstance(renee["degree"], int)
    works = next(d for _, v, d in graph.out_edges(LAURENT, data=True) if v == DATADOG)
    assert works["confidence"] == pytest.approx(0.95)
    assert works["evidence_count"] == 2
    assert works["documents"] == "doc-a; doc-b"
    assert works["evidence"] == "Laurent (Datadog) joined."


def test_gexf_reads_back_with_colours_and_parallel_edges(store: Any, view: nx.MultiDiGraph) -> None:
    graph = nx.read_gexf(io.BytesIO(export_bytes(store, "gexf")))
    assert graph.is_multigraph() and graph.is_directed()
    assert set(graph.nodes) == set(view.nodes)
    assert view_signature(graph) == view_signature(view)
    assert graph.nodes[LAURENT]["label"] == "Laurent Bernaille"
    assert graph.nodes[LAURENT]["viz"]["color"] == {"r": 78, "g": 121, "b": 167, "a": 1.0}
    assert graph.nodes[XDP]["degree"] == 0
    assert {d["label"] for _, v, d in graph.out_edges(RENEE, data=True) if v == KUBERNETES} == {
        "contributedTo",
        "maintainerOf",
    }


def test_cytoscape_json_reads_back_and_keeps_lists(store: Any, view: nx.MultiDiGraph) -> None:
    data = json.loads(export_bytes(store, "cyjs"))
    assert {"nodes", "edges"} == set(data["elements"])
    assert all({"id", "source", "target"} <= set(e["data"]) for e in data["elements"]["edges"])
    graph = nx.cytoscape_graph(data)
    assert set(graph.nodes) == set(view.nodes)
    assert view_signature(graph) == view_signature(view)
    assert graph.nodes[RENEE]["aliases"] == ['Ree "the kernel"', "Renée"]
    assert graph.nodes[RENEE]["name"] == "Renée O'Brien"


def test_node_link_json_reads_back_for_d3(store: Any, view: nx.MultiDiGraph) -> None:
    data = json.loads(export_bytes(store, "node-link"))
    assert {"nodes", "links"} <= set(data)
    assert all({"source", "target"} <= set(link) for link in data["links"])
    graph = nx.node_link_graph(data, edges="links")
    assert set(graph.nodes) == set(view.nodes)
    assert view_signature(graph) == view_signature(view)
    assert graph.nodes[LAURENT]["documents"] == ["doc-a", "doc-b"]


def test_csv_tables_hold_every_node_and_edge(view: nx.MultiDiGraph) -> None:
    tables = csv_tables(view)
    nodes = list(csv.DictReader(io.StringIO(tables["nodes.csv"].decode("utf-8"))))
    edges = list(csv.DictReader(io.StringIO(tables["edges.csv"].decode("utf-8"))))
    assert {row["id"] for row in nodes} == set(view.nodes)
    assert {(r["source"], r["predicate"], r["target"]) for r in edges} == view_signature(view)
    kubelet = next(r for r in edges if r["predicate"] == "contributedTo" and r["target"] == KUBERNETES)
    assert kubelet["evidence"] == "She wrote Kubernetes' kubelet code."
    spoke = next(r for r in edges if r["predicate"] == "spokeAt")
    assert spoke["evidence"] == "He spoke at KubeCon\nEU 2019."


@pytest.mark.parametrize("fmt", ["nquads", "trig", "jsonld"])
def test_rdf_with_named_graphs_gives_back_each_document_graph(store: Any, fmt: str) -> None:
    parse_as = {"nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt]
    dataset = Dataset()
    dataset.parse(data=export_bytes(store, fmt), format=parse_as)
    for doc_id in ENTITIES:
        stored = dataset.graph(document_iri(doc_id))
        assert isomorphic(Graph() + stored, document_graph(doc_id))


@pytest.mark.parametrize("fmt", ["ntriples", "turtle"])
def test_rdf_without_named_graphs_gives_back_the_union(store: Any, fmt: str) -> None:
    graph = Graph().parse(data=export_bytes(store, fmt), format="nt" if fmt == "ntriples" else "turtle")
    union = Graph()
    for doc_id in ENTITIES:
        union += document_graph(doc_id)
    assert isomorphic(graph, union)


def test_jsonld_context_declares_the_ontology_prefixes(store: Any) -> None:
    data = json.loads(export_bytes(store, "jsonld"))
    assert data["@context"]["mkg"] + "Person" == str(MKG.Person)
    assert [g["@id"] for g in data["@graph"]] == sorted(str(document_iri(d)) for d in ENTITIES)


def test_rdf_export_of_one_document(store: Any) -> None:
    dataset = Dataset()
    dataset.parse(data=export_bytes(store, "nquads", documents={"doc-a"}), format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {str(document_iri("doc-a"))}


def test_rdf_export_refuses_unknown_documents_and_view_filters(store: Any) -> None:
    with pytest.raises(NotFound, match="doc-z"):
        export_bytes(store, "nquads", documents={"doc-z"})
    with pytest.raises(NotFound):
        export_bytes(store, "graphml", documents={"doc-z"})
    with pytest.raises(InvalidParameter, match="view formats"):
        export_bytes(store, "turtle", analytics=True)
    with pytest.raises(InvalidParameter):
        b"".join(iter_view(nx.MultiDiGraph(), "nquads"))


def test_view_filters_reach_the_export(store: Any) -> None:
    data = json.loads(
        export_bytes(store, "node-link", types={EntityType.PERSON}, predicates={Predicate.KNOWS})
    )
    assert {n["type"] for n in data["nodes"]} == {"Person"}
    assert {link["predicate"] for link in data["links"]} == {"knows"}


def test_empty_store_exports_valid_empty_files() -> None:
    empty = DatasetStore()
    assert nx.read_graphml(io.BytesIO(export_bytes(empty, "graphml"))).number_of_nodes() == 0
    assert json.loads(export_bytes(empty, "jsonld"))["@graph"] == []
    assert export_bytes(empty, "nquads") == b""


# ----------------------------------------------------------------------------------------------- DOT


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_dot_export_is_valid_graphviz(store: Any) -> None:
    result = subprocess.run(
        ["dot", "-Tsvg"], input=export_bytes(store, "dot"), capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    svg = result.stdout.decode("utf-8")
    assert "Renée O&#39;Brien" in svg or "Renée O'Brien" in svg
    assert "maintainerOf" in svg


TRICKY = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


def dot_unquote(quoted: str) -> str:
    """Read a Graphviz quoted string back (escapes: backslash-quote, double backslash, backslash-n)."""
    assert quoted[0] == quoted[-1] == '"'
    out, i, body = [], 0, quoted[1:-1]
    while i < len(body):
        char = body[i]
        if char == "\\":
            follower = body[i + 1]
            out.append({"n": "\n", '"': '"', "\\": "\\"}[follower])
            i += 2
            continue
        assert char not in '"\n\r', "an unescaped quote or line break ends the string early"
        out.append(char)
        i += 1
    return "".join(out)


@given(TRICKY)
def test_dot_quoting_escapes_everything_graphviz_reads_specially(text: str) -> None:
    expected = text.replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n")
    assert dot_unquote(dot_quote(text)) == expected


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_dot_accepts_hostile_labels() -> None:
    labels = [
        'a "quoted" name',
        "back\\slash\\",
        "line\nbreak",
        "}; digraph x {",
        "<html>&amp;",
        "ünï©ødé",
        "nul\x00",
    ]
    graph = nx.MultiDiGraph()
    for index, label in enumerate(labels):
        graph.add_node(f"person/p{index}", label=label, type="Person", aliases=[label], documents=[])
    graph.add_edge("person/p0", "person/p1", key="knows", predicate="knows", evidence_count=0)
    dot = b"".join(iter_view(graph, "dot"))
    result = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode("utf-8").count('<g id="node') == len(labels)


# -------------------------------------------------------------------------------------- layout, extras


def test_layout_adds_the_same_positions_to_every_format(store: Any, view: nx.MultiDiGraph) -> None:
    positions = layout_positions(view)
    assert positions == layout_positions(view.copy())
    assert set(positions) == set(view.nodes)
    assert len(set(positions.values())) == len(positions)
    cyjs = json.loads(export_bytes(store, "cyjs", layout=True))
    placed = {n["data"]["id"]: (n["position"]["x"], n["position"]["y"]) for n in cyjs["elements"]["nodes"]}
    assert placed == positions
    gexf = nx.read_gexf(io.BytesIO(export_bytes(store, "gexf", layout=True)))
    assert gexf.nodes[LAURENT]["viz"]["position"]["x"] == pytest.approx(positions[LAURENT][0])
    graphml = nx.read_graphml(io.BytesIO(export_bytes(store, "graphml", layout=True)))
    assert graphml.nodes[LAURENT]["y"] == pytest.approx(positions[LAURENT][1])
    assert b"pos=" in export_bytes(store, "dot", layout=True)


def test_layout_packs_components_without_overlap() -> None:
    graph = nx.MultiDiGraph()
    chains = {"a": 6, "b": 3, "c": 1, "d": 1}
    for name, size in chains.items():
        keys = [f"person/{name}{i}" for i in range(size)]
        graph.add_nodes_from(keys)
        for u, v in zip(keys, keys[1:], strict=False):
            graph.add_edge(u, v, key="knows", predicate="knows")
    positions = layout_positions(graph)
    boxes = {}
    for name in chains:
        xs = [x for key, (x, _) in positions.items() if key.startswith(f"person/{name}")]
        ys = [y for key, (_, y) in positions.items() if key.startswith(f"person/{name}")]
        boxes[name] = (min(xs), max(xs), min(ys), max(ys))
    for first, second in combinations(boxes.values(), 2):
        apart_x = first[1] < second[0] or second[1] < first[0]
        apart_y = first[3] < second[2] or second[3] < first[2]
        assert apart_x or apart_y


@pytest.mark.skipif(importlib.util.find_spec("scipy") is not None, reason="scipy lays out large parts")
def test_layout_of_a_large_connected_part_is_refused_with_advice() -> None:
    big = nx.MultiDiGraph()
    for i in range(1, MAX_LAYOUT_NODES + 1):
        big.add_edge("person/hub", f"person/p{i}", key="knows", predicate="knows")
    with pytest.raises(InvalidParameter, match="Gephi"):
        layout_positions(big)


def test_analytics_attributes_ride_along_in_view_exports(store: Any) -> None:
    graph = nx.read_graphml(io.BytesIO(export_bytes(store, "graphml", analytics=True)), force_multigraph=True)
    assert isinstance(graph.nodes[RENEE]["community"], int)
    assert 0 < graph.nodes[RENEE]["pagerank"] < 1
    nodes = csv_tables(project_graph(store))["nodes.csv"].decode("utf-8").splitlines()[0]
    assert "community" not in nodes


def test_rdf_formats_parse_back_with_the_entity_iris(store: Any) -> None:
    graph = Graph().parse(data=export_bytes(store, "turtle"), format="turtle")
    assert (None, None, URIRef(str(document_iri("doc-a")))) in graph


# ------------------------------------------------------------------------------------- RDF term forms

LITERALS = st.one_of(
    st.builds(Literal, TRICKY),
    st.builds(Literal, TRICKY, lang=st.sampled_from(["en", "fr", "pt-BR"])),
    st.builds(
        Literal, TRICKY, datatype=st.sampled_from([rdf_namespaces.XSD.token, rdf_namespaces.XSD.anyURI])
    ),
    st.builds(Literal, st.integers(min_value=-(10**12), max_value=10**12)),
    st.builds(Literal, st.dates()),
)


@settings(max_examples=30, deadline=None)
@given(LITERALS)
def test_any_literal_survives_every_rdf_export(value: Literal) -> None:
    store = DatasetStore()
    triple = (entity_iri(LAURENT), MKG.evidenceText, value)
    store.add_document(str(document_iri("doc-x")), Graph().add(triple).serialize(format="nt"))
    for fmt, parse_as in (("ntriples", "nt"), ("turtle", "turtle")):
        graph = Graph().parse(data=export_bytes(store, fmt), format=parse_as)
        assert set(graph) == {triple}
    for fmt, parse_as in (("nquads", "nquads"), ("trig", "trig"), ("jsonld", "json-ld")):
        dataset = Dataset()
        dataset.parse(data=export_bytes(store, fmt), format=parse_as)
        assert set(Graph() + dataset.graph(document_iri("doc-x"))) == {triple}


def test_blank_nodes_of_two_documents_stay_apart() -> None:
    store = DatasetStore()
    for doc_id in ("doc-a", "doc-b"):
        graph = Graph()
        graph.add((BNode(), rdf_namespaces.RDFS.label, Literal(f"anonymous in {doc_id}")))
        store.add_document(str(document_iri(doc_id)), graph.serialize(format="nt"))
    dataset = Dataset()
    dataset.parse(data=export_bytes(store, "nquads"), format="nquads")
    subjects = {s for s, _, _, _ in dataset.quads((None, rdf_namespaces.RDFS.label, None, None))}
    assert len(subjects) == 2
    assert len(Graph().parse(data=export_bytes(store, "ntriples"), format="nt")) == 2


@settings(max_examples=40, deadline=None)
@given(TRICKY)
def test_any_label_survives_the_view_formats(label: str) -> None:
    graph = nx.MultiDiGraph()
    graph.add_node(LAURENT, label=label, type="Person", aliases=[label], documents=["doc-a"])
    graph.add_node(DATADOG, label="Datadog", type="Organization", documents=["doc-a"])
    graph.add_edge(LAURENT, DATADOG, key="worksAt", predicate="worksAt", evidence_count=1)
    xml_label = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", label)
    # Carriage returns are written as line feeds, as XML readers would read them in element text.
    xml_label = xml_label.replace("\r\n", "\n").replace("\r", "\n")
    graphml = nx.read_graphml(io.BytesIO(b"".join(iter_view(graph, "graphml"))))
    assert graphml.nodes[LAURENT]["label"] == xml_label
    gexf = nx.read_gexf(io.BytesIO(b"".join(iter_view(graph, "gexf"))))
    assert gexf.nodes[LAURENT]["label"] == xml_label
    for fmt in ("cyjs", "node-link"):
        data = json.loads(b"".join(iter_view(graph, fmt)))
        nodes = data["elements"]["nodes"] if fmt == "cyjs" else data["nodes"]
        node = next(n.get("data", n) for n in nodes if n.get("data", n)["id"] == LAURENT)
        assert node["label"] == label and node["aliases"] == [label]
    tables = csv_tables(graph)
    rows = list(csv.DictReader(io.StringIO(tables["nodes.csv"].decode("utf-8"), newline="")))
    assert next(r for r in rows if r["id"] == LAURENT)["label"] == label


def test_errors_come_before_the_first_chunk(store: Any) -> None:
    # A streaming response can only report an error before it starts.
    with pytest.raises(InvalidParameter):
        iter_export(store, "svg")
    with pytest.raises(NotFound):
        iter_export(store, "trig", documents={"doc-z"})
    with pytest.raises(InvalidParameter):
        iter_export(store, "nquads", layout=True)


def test_format_follows_the_file_extension() -> None:
    assert format_of_filename("out/Graph.GEXF") == "gexf"
    assert format_of_filename("graph.nq") == "nquads"
    assert format_of_filename("nodes.zip") == "csv"
    with pytest.raises(InvalidParameter, match=".graphml"):
        format_of_filename("graph.svg")


def test_rdf_export_of_a_filtered_view_keeps_its_entities_facts_and_evidence(store: Any) -> None:
    data = export_bytes(
        store,
        "nquads",
        types={EntityType.PERSON, EntityType.PROJECT},
        predicates={Predicate.KNOWS, Predicate.MAINTAINER_OF},
    )
    dataset = Dataset()
    dataset.parse(data=data, format="nquads")
    union = Graph()
    for s, p, o, _ in dataset.quads():
        union.add((s, p, o))
    subjects = {str(s) for s in union.subjects()}
    assert str(entity_iri(DATADOG)) not in subjects and str(entity_iri(LAURENT)) in subjects
    facts = {
        (s, p) for s, p, _ in union if p in {MKG.knows, MKG.maintainerOf, MKG.worksAt, MKG.contributedTo}
    }
    assert {p for _, p in facts} == {MKG.knows, MKG.maintainerOf}
    evidence = set(union.subjects(rdf_namespaces.RDF.type, MKG.FactEvidence))
    # doc-a: Laurent knows Renée; doc-b: Renée maintainerOf Kubernetes (the Bob fact has no evidence node).
    assert len(evidence) == 2
    assert all(union.value(node, MKG.evidenceText) is not None for node in evidence)
    assert (None, rdf_namespaces.RDF.type, MKG.Document) in union
    assert not any(str(o) == str(entity_iri(DATADOG)) for o in union.objects())


CYTOSCAPE_JS = Path(__file__).resolve().parents[1] / "api" / "static" / "vendor" / "cytoscape.min.js"
LOAD_IN_CYTOSCAPE = """
const cytoscape = require(process.argv[1]);
const data = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const cy = cytoscape({ headless: true, elements: data.elements, layout: { name: 'preset' } });
const renee = cy.getElementById(process.argv[2]);
console.log(JSON.stringify({nodes: cy.nodes().length, edges: cy.edges().length, label: renee.data('label'),
                            degree: renee.degree(), x: renee.position('x')}));
"""


@pytest.mark.skipif(
    shutil.which("node") is None or not CYTOSCAPE_JS.is_file(),
    reason="node or the vendored Cytoscape.js absent",
)
def test_cytoscape_js_loads_the_cyjs_export(store: Any, view: nx.MultiDiGraph) -> None:
    result = subprocess.run(
        ["node", "-e", LOAD_IN_CYTOSCAPE, str(CYTOSCAPE_JS), RENEE],
        input=export_bytes(store, "cyjs", layout=True),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    loaded = json.loads(result.stdout)
    assert (loaded["nodes"], loaded["edges"]) == (view.number_of_nodes(), view.number_of_edges())
    assert loaded["label"] == "Renée O'Brien" and loaded["degree"] == 5
    assert loaded["x"] == pytest.approx(layout_positions(view)[RENEE][0])


def test_focus_exports_the_neighbourhood_in_view_and_rdf_formats(store: Any) -> None:
    data = json.loads(export_bytes(store, "node-link", focus=DATADOG, hops=1, analytics=True))
    assert {node["id"] for node in data["nodes"]} == {DATADOG, LAURENT, EBPF}
    # Analytics are measured on the whole view: Laurent keeps the degree and community it has there.
    whole = json.loads(export_bytes(store, "node-link", analytics=True))
    laurent = next(n for n in whole["nodes"] if n["id"] == LAURENT)
    assert next(n for n in data["nodes"] if n["id"] == LAURENT)["community"] == laurent["community"]
    triples = Graph().parse(data=export_bytes(store, "ntriples", focus=DATADOG, hops=1), format="nt")
    mentioned = {str(term) for triple in triples for term in triple}
    assert str(entity_iri(DATADOG)) in mentioned and str(entity_iri(RENEE)) not in mentioned
    with pytest.raises(NotFound):
        export_bytes(store, "gexf", focus="person/nobody")


# ------------------------------------------------------------------------------- streamed writers


def networkx_graphml(view: nx.MultiDiGraph) -> bytes:
    """GraphML of the view as networkx writes it (for views whose strings XML can hold as they are)."""
    flat = flat_graph(view, join_lists=True)
    lines = nx.generate_graphml(flat, named_key_ids=True, edge_id_from_attribute="id")
    return "".join(line + "\n" for line in lines).encode("utf-8")


def networkx_gexf(view: nx.MultiDiGraph) -> bytes:
    """GEXF of the view as networkx writes it, with the export's colours, positions and pinned meta."""
    flat = flat_graph(view, join_lists=True)
    for key, data in flat.nodes(data=True):
        r, g, b = TYPE_COLOURS.get(data["type"], (160, 160, 160))
        viz: dict[str, Any] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}}
        if "x" in data and "y" in data:
            viz["position"] = {"x": data.pop("x"), "y": data.pop("y"), "z": 0.0}
        flat.nodes[key]["viz"] = viz
    for _, _, data in flat.edges(data=True):
        data["label"] = data["predicate"]
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    assert meta is not None
    meta.attrib.pop("lastmodifieddate", None)
    creator = meta.find("creator")
    assert creator is not None
    creator.text = "maintainer-kg"
    writer.add_graph(flat)
    return (str(writer) + "\n").encode("utf-8")


def networkx_node_link(view: nx.MultiDiGraph) -> bytes:
    data = nx.node_link_data(flat_graph(view, join_lists=False), edges="links")
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def analysed_and_laid_out(view: nx.MultiDiGraph) -> nx.MultiDiGraph:
    from graph.analytics import analyze, annotate

    graph = view.copy()
    annotate(graph, analyze(graph))
    return with_layout(graph)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "node-link"])
def test_streamed_view_equals_the_networkx_writer_byte_for_byte(view: nx.MultiDiGraph, fmt: str) -> None:
    oracle = {"graphml": networkx_graphml, "gexf": networkx_gexf, "node-link": networkx_node_link}[fmt]
    for graph in (view, analysed_and_laid_out(view), nx.MultiDiGraph(), view.subgraph([LAURENT]).copy()):
        assert b"".join(iter_view(graph, fmt)) == oracle(graph)


# Text XML holds as it is: no C0 controls (tab and line feed aside), no carriage return, no U+FFFE/FFFF.
XML_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(
        lambda c: c in "\t\n" or (c >= " " and c not in "\ufffe\uffff")
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(XML_TEXT, XML_TEXT, st.floats(allow_nan=True, allow_infinity=True))
def test_any_attribute_is_streamed_as_networkx_writes_it(label: str, alias: str, pagerank: float) -> None:
    graph = nx.MultiDiGraph()
    graph.add_node(LAURENT, label=label, type="Person", aliases=[alias, label], documents=["doc-a"])
    graph.add_node(DATADOG, label=alias, type="Organization", pagerank=pagerank, x=1.5, y=-2.0)
    graph.add_edge(LAURENT, DATADOG, key="worksAt", predicate="worksAt", evidence_count=1, documents=[label])
    assert b"".join(iter_view(graph, "graphml")) == networkx_graphml(graph)
    assert b"".join(iter_view(graph, "gexf")) == networkx_gexf(graph)
    assert b"".join(iter_view(graph, "node-link")) == networkx_node_link(graph)


@pytest.mark.parametrize("fmt", ["ntriples", "turtle"])
def test_merged_rdf_spilled_in_small_runs_equals_the_golden_file(
    store: Any, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph_exports, "MERGE_RUN_STATEMENTS", 3)
    check_golden("fixture" + EXPORT_FORMATS[fmt][1], export_bytes(store, fmt))


NT_TERMS = st.one_of(
    st.builds(Literal, TRICKY),
    st.builds(Literal, TRICKY, lang=st.sampled_from(["en", "en-GB"])),
    st.builds(Literal, TRICKY, datatype=st.just(rdf_namespaces.XSD.token)),
    st.builds(lambda name: URIRef(f"https://example.org/{name}"), st.sampled_from(["a", "ab", "a-b", "b"])),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "ab", "a%20b"]), NT_TERMS), min_size=1, max_size=12))
def test_merged_ntriples_are_sorted_by_statement_and_distinct(
    statements: list[tuple[str, Literal | URIRef]],
) -> None:
    documents: dict[str, Graph] = defaultdict(Graph)
    for index, (subject, obj) in enumerate(statements):
        # Every statement in two documents: the union states it once.
        for doc_id in (f"doc-{index}", "doc-all"):
            documents[doc_id].add((URIRef(f"https://example.org/{subject}"), rdf_namespaces.RDFS.label, obj))
    store = open_memory_store()
    for doc_id, graph in documents.items():
        store.add_document(str(document_iri(doc_id)), graph.serialize(format="nt"))
    original = graph_exports.MERGE_RUN_STATEMENTS
    graph_exports.MERGE_RUN_STATEMENTS = 2
    try:
        lines = export_bytes(store, "ntriples").decode("utf-8").split("\n")[:-1]
    finally:
        graph_exports.MERGE_RUN_STATEMENTS = original
    triples = [tuple(line[:-2].split(" ", 2)) for line in lines]
    assert triples == sorted(set(triples))
    assert len(triples) == len({(s, o) for s, o in statements})
    assert export_bytes(store, "ntriples") == "".join(line + "\n" for line in lines).encode("utf-8")


def test_export_route_streams_every_format_as_the_export_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_store
    from api.settings import Settings

    # Small runs and chunks: the merge spills to files and the body comes in many pieces.
    monkeypatch.setattr(graph_exports, "MERGE_RUN_STATEMENTS", 3)
    monkeypatch.setattr(graph_exports, "_CHUNK", 256)
    store = load_fixture(open_memory_store())
    app = create_app(Settings(data_dir=tmp_path / "unused"))
    app.dependency_overrides[get_store] = lambda: store
    client = TestClient(app, raise_server_exceptions=False)
    for fmt in sorted(EXPORT_FORMATS):
        response = client.get("/export", params={"format": fmt})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(EXPORT_FORMATS[fmt][0])
        assert response.content == export_bytes(store, fmt)
    refused = client.get("/export", params={"format": "svg"})
    assert refused.status_code == 400 and "graphml" in refused.json()["detail"]


def test_a_full_disk_during_the_merge_is_reported_with_advice(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graph_exports, "MERGE_RUN_STATEMENTS", 3)
    monkeypatch.setattr(graph_exports.tempfile, "TemporaryFile", no_space)
    with pytest.raises(ExportSpaceExhausted, match="TMPDIR") as caught:
        export_bytes(store, "ntriples")
    assert caught.value.status == 507
    # Formats written document by document need no temporary space.
    check_golden("fixture.nq", export_bytes(store, "nquads"))


def test_export_route_answers_a_failed_merge_with_a_json_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_store
    from api.settings import Settings

    def no_space(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graph_exports, "MERGE_RUN_STATEMENTS", 3)
    monkeypatch.setattr(graph_exports.tempfile, "TemporaryFile", no_space)
    store = load_fixture(open_memory_store())
    app = create_app(Settings(data_dir=tmp_path / "unused"))
    app.dependency_overrides[get_store] = lambda: store
    response = TestClient(app, raise_server_exceptions=False).get("/export", params={"format": "turtle"})
    assert response.status_code == 507
    assert response.json()["error"] == "export_space_exhausted" and "TMPDIR" in response.json()["detail"]
