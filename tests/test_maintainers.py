"""The CNCF maintainers list: rows to people, projects and employers, each fact evidenced by its row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal

from graph.errors import InvalidMaintainersList
from graph.ingest import store_extraction
from graph.maintainers import (
    PROVENANCE,
    github_handle,
    import_maintainers,
    organization_name,
    project_name,
    read_maintainers,
    read_rows,
)
from graph.rdf import validate_document_graph
from graph.reconcile import load_merges
from graph.records import Predicate
from graph.store import Store
from graph.vocab import MKG, document_iri, evidence_iri
from tests.test_reconcile import graph_keys, post

LIST = (
    ",Project,Maintainer Name,Company,Github Name,OWNERS/MAINTAINERS\n"
    "Graduated,Cilium,Laurent Bernaille,Datadog,lbernail,https://example.org/owners\n"
    ',,"Thomas\nGraf",Isovalent,tgraf,\n'
    ",,Ana Ruiz,Independent,,\n"
    ',Kubernetes maintainers,Jo Lee,"Acme, Inc",@jolee,\n'
    ",,broken\n"
    ",,,,ghost,\n"
    ",,Mia Chen, N/A ,miachen,\n"
)


def test_cells_name_employers_projects_and_handles() -> None:
    assert organization_name("Chainguard, Inc") == "Chainguard"
    assert organization_name("Kubermatic GmbH") == "Kubermatic"
    assert organization_name(" Independent") is None
    assert organization_name("N/A") is None
    assert organization_name("-") is None
    assert project_name("Kubernetes maintainers") == ("Kubernetes", ("Kubernetes maintainers",))
    assert project_name("Tekton (Governance Committee)")[0] == "Tekton"
    assert project_name("TUF (The Update Framework)") == (
        "TUF",
        ("The Update Framework", "TUF (The Update Framework)"),
    )
    assert project_name("Envoy: Gateway (non-voting)")[0] == "Envoy: Gateway"
    assert github_handle("https://github.com/lbernail") == "lbernail"
    assert github_handle("@jolee") == "jolee"
    assert github_handle("") is None


def test_rows_carry_the_project_down_join_multiline_cells_and_report_broken_rows() -> None:
    rows, problems = read_rows(LIST)

    assert [(r.line, r.project, r.name, r.company, r.handle) for r in rows] == [
        (2, "Cilium", "Laurent Bernaille", "Datadog", "lbernail"),
        (3, "Cilium", "Thomas Graf", "Isovalent", "tgraf"),
        (5, "Cilium", "Ana Ruiz", "Independent", None),
        (6, "Kubernetes maintainers", "Jo Lee", "Acme, Inc", "jolee"),
        (9, "Kubernetes maintainers", "Mia Chen", "N/A", "miachen"),
    ]
    assert [(p.line, p.detail) for p in problems] == [
        (7, "3 cell(s) where 5 were expected"),
        (8, "no maintainer name"),
    ]
    assert [LIST[r.start : r.end] for r in rows][:2] == [
        "Graduated,Cilium,Laurent Bernaille,Datadog,lbernail,https://example.org/owners",
        ',,"Thomas\nGraf",Isovalent,tgraf,',
    ]


def test_a_file_without_a_header_is_refused_with_what_to_do() -> None:
    with pytest.raises(InvalidMaintainersList) as caught:
        read_rows("Laurent Bernaille,Datadog\n")
    assert "header" in caught.value.detail


def test_an_unterminated_quote_is_reported_with_its_line() -> None:
    text = 'Project,Maintainer Name,Company\nCilium,Ana Ruiz,Acme\nCilium,"Bo Li,Acme\n'
    rows, problems = read_rows(text)
    assert [r.name for r in rows] == ["Ana Ruiz"]
    assert [p.line for p in problems] == [3]
    assert "not valid CSV" in problems[0].detail


def test_rows_become_maintainer_and_employer_facts_evidenced_by_the_row() -> None:
    listing = read_maintainers(LIST, "cncf/maintainers.csv", date="2025-10-01")
    extraction = listing.extraction

    assert listing.people == 5 and listing.projects == 2 and listing.organizations == 3
    facts = {(f.subject, f.predicate, f.object) for f in extraction.facts}
    assert ("person/thomas-graf", Predicate.MAINTAINER_OF, "project/cilium") in facts
    assert ("person/thomas-graf", Predicate.WORKS_AT, "organization/isovalent") in facts
    assert ("person/jo-lee", Predicate.WORKS_AT, "organization/acme") in facts
    assert ("person/jo-lee", Predicate.MAINTAINER_OF, "project/kubernetes") in facts
    # Independent and N/A name no employer.
    assert not any(
        f.subject in {"person/ana-ruiz", "person/mia-chen"} and f.predicate is Predicate.WORKS_AT
        for f in extraction.facts
    )
    for fact in extraction.facts:
        assert extraction.document.raw[fact.evidence.start : fact.evidence.end] == fact.evidence.text
        assert fact.evidence.date == "2025-10-01"
    thomas = next(f for f in extraction.facts if f.subject == "person/thomas-graf")
    assert thomas.evidence.text == ',,"Thomas\nGraf",Isovalent,tgraf,'
    handles = {e.key: e.handles for e in extraction.entities}
    assert handles["person/laurent-bernaille"] == ("lbernail",)
    assert handles["person/ana-ruiz"] == ()


def test_the_same_name_with_another_handle_and_employer_is_another_person() -> None:
    text = (
        "Project,Maintainer Name,Company,Github Name\n"
        "Foo,João Pereira,Gitlab,joaodrp\n"
        "Bar,João Pereira,VMware,joaopapereira\n"
        "Baz,Jeremy Rickard,Microsoft,jeremyrickard\n"
        "Qux,Jeremy Rickard,Microsoft,jrrickard\n"
    )
    entities = {e.key: e for e in read_maintainers(text, "list.csv").extraction.entities}
    assert "person/joao-pereira" in entities and "person/joao-pereira--joaopapereira" in entities
    assert entities["person/jeremy-rickard"].handles == ("jeremyrickard", "jrrickard")


def test_an_imported_list_is_its_own_named_graph_with_rows_and_provenance(memory_store: Store) -> None:
    report = import_maintainers(memory_store, LIST.encode("utf-8"), "cncf/maintainers.csv", date="2025-10-01")

    assert (report.rows, report.people, len(report.problems)) == (5, 5, 2)
    iri = str(document_iri(report.document_id))
    assert memory_store.has_document(iri)
    graph = Graph().parse(data=memory_store.get_graph(iri, "application/n-triples"), format="nt")
    conforms, text = validate_document_graph(graph)
    assert conforms, text
    assert (document_iri(report.document_id), None, Literal(PROVENANCE)) in graph
    assert (evidence_iri(report.document_id, 0), MKG.sourceRow, Literal(2)) in graph


def test_a_bad_date_is_refused_before_anything_is_stored(memory_store: Store) -> None:
    from graph.errors import InvalidParameter

    with pytest.raises(InvalidParameter):
        import_maintainers(memory_store, LIST, "cncf/maintainers.csv", date="last tuesday")
    assert memory_store.documents() == []


def test_imported_people_merge_with_people_read_from_posts(memory_store: Store) -> None:
    store_extraction(
        post("meet-laurent", "2025-01-01", [("Laurent", Predicate.CONTRIBUTED_TO, "Cilium")]), memory_store
    )
    store_extraction(
        post("sig-story", "2025-02-01", [("Jo A. Lee", Predicate.CONTRIBUTED_TO, "Kubernetes")]), memory_store
    )

    import_maintainers(memory_store, LIST, "cncf/maintainers.csv", date="2025-10-01")

    merged = {(m.merged, m.into): set(m.features) for m in load_merges(memory_store)}
    assert merged[("person/laurent", "person/laurent-bernaille")] == {"first_name", "shared_project"}
    assert ("person/jo-lee", "person/jo-a-lee") in merged
    assert graph_keys(memory_store, "meet-laurent") == {"person/laurent-bernaille"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12),
            st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=12),
            st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8),
        ),
        max_size=6,
    )
)
def test_any_written_rows_read_back_with_their_exact_spans(cells: list[tuple[str, str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n" line ends: cells holding "\r" or "\n" get quoted
    writer.writerow(["Project", "Maintainer Name", "Company"])
    for project, name, company in cells:
        writer.writerow([project if project.strip() else "P", name, company])
    text = buffer.getvalue()

    rows, problems = read_rows(text)

    expected = [(" ".join(name.split())) for _, name, _ in cells if name.split()]
    assert [r.name for r in rows] == expected
    for row in rows:
        record = next(csv.reader(io.StringIO(text[row.start : row.end])))
        assert " ".join(record[1].split()) == row.name


def test_the_real_cncf_list_imports(shared_dir: Path, memory_store: Store) -> None:
    path = shared_dir / "corpus" / "cncf" / "project-maintainers.csv"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    report = import_maintainers(
        memory_store, path.read_bytes(), "cncf/project-maintainers.csv", date="2025-11-01"
    )
    assert report.rows > 2000
    assert report.people > 1800
    assert len(report.problems) < 10
    assert all(problem.line > 1 for problem in report.problems)


def test_a_known_abbreviation_and_its_long_form_name_one_employer() -> None:
    text = "Project,Maintainer Name,Company\nFoo,Ana Ruiz,AWS\nBar,Bo Li,Amazon Web Services\n"
    entities = {e.key: e for e in read_maintainers(text, "list.csv").extraction.entities}
    assert "organization/aws" not in entities
    assert entities["organization/amazon-web-services"].aliases == ("AWS",)
