"""The explorer page in headless Chromium against a real server holding two small documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from graph.documents import document_id_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAURENT = "person/laurent-bernaille"


def node_ids(page: Any) -> set[str]:
    ids: list[str] = page.evaluate("() => mkgExplorer.cy.nodes().map((node) => node.id())")
    return set(ids)


def node_types(page: Any) -> set[str]:
    types: list[str] = page.evaluate("() => mkgExplorer.cy.nodes().map((node) => node.data('type'))")
    return set(types)


def click_node(page: Any, key: str, *, double: bool = False) -> None:
    """Click a node where it is drawn, as a user would."""
    x, y = page.evaluate(
        """(key) => {
            const box = document.getElementById('cy').getBoundingClientRect();
            const at = mkgExplorer.cy.getElementById(key).renderedPosition();
            return [box.left + at.x, box.top + at.y];
        }""",
        key,
    )
    if double:
        page.mouse.dblclick(x, y)
    else:
        page.mouse.click(x, y)


def search(page: Any, text: str) -> None:
    page.fill("#search", text)
    page.click("#search-form button[type=submit]")


def test_page_loads_and_draws_the_best_connected_entities(page: Any) -> None:
    assert page.title() == "maintainer-kg explorer"
    assert node_ids(page) == {
        LAURENT,
        "person/thomas-graf",
        "organization/datadog",
        "project/cilium",
        "project/kube-proxy",
    }
    assert page.evaluate("() => mkgExplorer.cy.edges().length") == 4
    assert page.inner_text("#status").startswith("5 entities, 4 facts")


def test_page_loads_no_script_or_style_from_another_origin(page: Any, explorer_url: str) -> None:
    sources = page.evaluate(
        "() => [...document.querySelectorAll('script[src], link[href]')].map((e) => e.src || e.href)"
    )
    assert sources
    assert all(src.startswith(explorer_url) or src.startswith("data:") for src in sources), sources


def test_search_finds_a_person_by_a_part_of_the_name(page: Any) -> None:
    search(page, "bernail")
    result = page.wait_for_selector(f"#results button[data-id='{LAURENT}']")
    assert "Laurent Bernaille" in result.inner_text()
    assert "Person" in result.inner_text()


def test_search_finds_a_person_by_a_handle(page: Any) -> None:
    search(page, "lbernail")
    page.wait_for_selector(f"#results button[data-id='{LAURENT}']")
    assert page.locator("#results li").count() == 1


def test_search_forgives_a_typo_when_the_server_ranks_names(page: Any) -> None:
    if page.evaluate("() => mkgExplorer.state.config.search_route") != "/search":
        pytest.skip("this server has no /search route")
    search(page, "Laurnet Bernaile")
    first = page.wait_for_selector("#results li:first-child button")
    assert first.get_attribute("data-id") == LAURENT


def test_search_for_an_unknown_name_says_nothing_was_found(page: Any) -> None:
    search(page, "nobody-by-this-name")
    page.wait_for_function(
        "() => document.getElementById('results-status').textContent.startsWith('Nothing')"
    )
    assert page.locator("#results li").count() == 0


def test_clicking_a_result_shows_facts_with_their_evidence_sentences(page: Any) -> None:
    search(page, "laurent")
    page.click(f"#results button[data-id='{LAURENT}']")
    page.wait_for_selector("#facts-out .fact")
    assert page.inner_text("#profile-name") == "Laurent Bernaille"
    evidence = page.locator("#facts-out .evidence").all_inner_texts()
    assert sorted(evidence) == [
        "Laurent Bernaille also became a maintainer of kube-proxy.",
        "Laurent Bernaille contributed to Cilium for years.",
        "Laurent Bernaille is a staff engineer at Datadog.",
    ]
    predicates = page.locator("#facts-out .fact").evaluate_all(
        "(items) => items.map((i) => i.dataset.predicate)"
    )
    assert sorted(predicates) == ["contributedTo", "maintainerOf", "worksAt"]
    links = page.locator("#facts-out a.document").evaluate_all("(links) => links.map((a) => a.pathname)")
    assert set(links) == {f"/documents/{document_id_for('blog/meet-laurent.md')}"}
    assert "confidence 0.90" in page.inner_text("#facts-out")
    # The canvas centres on the chosen entity: its neighbourhood only.
    assert LAURENT in node_ids(page)
    assert "person/thomas-graf" not in node_ids(page)


def test_clicking_a_node_shows_its_profile(page: Any) -> None:
    click_node(page, "person/thomas-graf")
    page.wait_for_function("() => document.getElementById('profile-name')?.textContent === 'Thomas Graf'")
    assert page.locator("#facts-in .evidence").all_inner_texts() == [
        "Cilium was started by Thomas Graf in 2015."
    ]
    assert page.locator("#facts-out .fact").count() == 0


def test_an_entity_in_the_address_opens_on_its_profile_and_back_returns(
    browser: Any, explorer_url: str
) -> None:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(f"{explorer_url}/#{LAURENT}")
    tab.wait_for_selector("body[data-ready=true]")
    tab.wait_for_selector("#profile-name")
    assert tab.inner_text("#profile-name") == "Laurent Bernaille"
    assert tab.evaluate("() => mkgExplorer.state.focus") == LAURENT
    tab.click("#facts-out button.other[data-id='project/cilium']")
    tab.wait_for_function("() => document.getElementById('profile-name')?.textContent === 'Cilium'")
    assert tab.url.endswith("#project/cilium")
    tab.go_back()
    tab.wait_for_function(
        "() => document.getElementById('profile-name')?.textContent === 'Laurent Bernaille'"
    )
    context.close()


def test_double_clicking_a_node_adds_its_neighbourhood(page: Any) -> None:
    search(page, "datadog")
    page.click("#results button[data-id='organization/datadog']")
    page.wait_for_function("() => mkgExplorer.state.focus === 'organization/datadog'")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('neighbourhood')")
    assert node_ids(page) == {"organization/datadog", LAURENT}
    click_node(page, LAURENT, double=True)
    page.wait_for_function("() => mkgExplorer.cy.nodes().length === 4")
    assert node_ids(page) == {"organization/datadog", LAURENT, "project/cilium", "project/kube-proxy"}


def test_unchecking_a_type_removes_its_entities_from_the_view(page: Any) -> None:
    page.uncheck("#type-filters input[value='Organization']")
    page.wait_for_function("() => !mkgExplorer.cy.nodes().some((n) => n.data('type') === 'Organization')")
    page.wait_for_function("() => mkgExplorer.cy.nodes().length === 4")
    assert node_types(page) == {"Person", "Project"}


def test_unchecking_a_predicate_removes_its_facts_and_the_entities_left_without_one(page: Any) -> None:
    page.uncheck("#predicate-filters input[value='worksAt']")
    page.wait_for_function("() => mkgExplorer.cy.edges().length === 3")
    predicates = page.evaluate("() => mkgExplorer.cy.edges().map((e) => e.data('predicate'))")
    assert sorted(predicates) == ["contributedTo", "createdBy", "maintainerOf"]
    assert "organization/datadog" not in node_ids(page)
    page.check("#isolated")
    page.wait_for_function("() => mkgExplorer.cy.nodes().length === 5")
    assert page.evaluate("() => mkgExplorer.cy.edges().length") == 3


def test_download_of_the_current_view_is_the_drawn_graph_as_cytoscape_json(page: Any, tmp_path: Path) -> None:
    with page.expect_download() as info:
        page.click("#download-view")
    download = info.value
    assert download.suggested_filename == "view.cyjs"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert {node["data"]["id"] for node in data["elements"]["nodes"]} == node_ids(page)
    assert len(data["elements"]["edges"]) == 4


def test_export_link_downloads_with_the_current_filters(page: Any, tmp_path: Path) -> None:
    page.wait_for_selector("#export-links a")
    page.uncheck("#type-filters input[value='Technology']")
    with page.expect_download() as info:
        page.click("#export-links a:text-is('graphml')")
    download = info.value
    query = parse_qs(urlsplit(download.url).query)
    assert query["format"] == ["graphml"]
    assert query["types"] == ["Person,Project,Organization,Conference"]
    saved = tmp_path / "export"
    download.save_as(saved)
    assert saved.stat().st_size > 0


def test_sparql_link_leads_to_the_query_page(page: Any, explorer_url: str) -> None:
    href = page.get_attribute("#sparql-link", "href")
    assert href == "/sparql"
    # Fetched as a browser navigation asks for it; the query editor's own scripts are not under test here.
    response = page.request.get(explorer_url + href, headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "SPARQL" in response.text()


def test_five_thousand_synthetic_entities_are_all_drawn(page: Any, record_property: Any) -> None:
    timings = page.evaluate("() => mkgExplorer.measure(5000, 'auto')")
    # The time is reported, not asserted: it depends on the machine.
    record_property("render_5000_ms", round(timings["totalMs"]))
    assert timings["nodes"] == 5000
    assert timings["edges"] == page.evaluate("() => mkgExplorer.syntheticElements(5000).edges.length")
    assert timings["layout"] == "concentric"
