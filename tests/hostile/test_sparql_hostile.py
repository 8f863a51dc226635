"""Hostile SPARQL against a real server on loopback: every query is bounded by the timeout or the caps,
refused if it would reach outside, and the server keeps answering other clients meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.hostile.live_server import LiveServer

pytestmark = pytest.mark.slow

TIMEOUT = 2.0
MAX_ROWS = 50
TOKEN = "hostile-admin"
RESULTS_JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("sparql-hostile") / "data"
    live = LiveServer.start(
        data, {"MKG_QUERY_TIMEOUT": str(TIMEOUT), "MKG_MAX_ROWS": str(MAX_ROWS), "MKG_ADMIN_TOKEN": TOKEN}
    )
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            for i in range(30):
                text = (
                    f"Laurent Bernaille works at Datadog since {2000 + i}.\n"
                    "Laurent Bernaille contributed to Cilium.\n"
                    f"Cilium was created by Thomas Graf ({'a' * 200}b).\n"
                )
                response = client.post(
                    f"/documents?source=doc-{i}.md",
                    content=text,
                    headers={"Content-Type": "text/markdown", "Authorization": f"Bearer {TOKEN}"},
                )
                assert response.status_code == 201, response.text
        yield live
    finally:
        live.stop()


def ask(server: LiveServer, query: str, accept: str = RESULTS_JSON) -> httpx.Response:
    return httpx.post(
        server.url + "/sparql",
        content=query,
        headers={"Content-Type": "application/sparql-query", "Accept": accept},
        timeout=TIMEOUT * 10,
    )


def assert_error(response: httpx.Response, *statuses: int) -> str:
    assert response.status_code in statuses, response.text
    payload = response.json()
    assert set(payload) == {"error", "detail"}
    code: str = payload["error"]
    return code


def still_answers(server: LiveServer) -> None:
    assert httpx.get(server.url + "/health", timeout=10).status_code == 200
    simple = ask(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert simple.status_code == 200, simple.text


class HealthProbe:
    """Asks /health in a loop on its own connection; records when each answer came and its status."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.answers: list[tuple[float, int | str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=TIMEOUT * 10) as client:
            while not self._stop.is_set():
                try:
                    status: int | str = client.get("/health").status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                self.answers.append((time.monotonic(), status))
                self._stop.wait(0.05)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def between(self, start: float, end: float) -> list[int | str]:
        return [status for at, status in self.answers if start <= at <= end]


def test_a_cartesian_join_over_the_whole_store_is_stopped_while_others_are_served(server: LiveServer) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with HealthProbe(server) as probe:
        start = time.monotonic()
        response = ask(server, query)
        end = time.monotonic()

    assert assert_error(response, 503) == "query_timeout"
    during = probe.between(start, end)
    # Other clients were answered while the join ran, and every probe succeeded.
    assert during, "no health probe was answered while the query ran"
    assert all(status == 200 for _, status in probe.answers)
    still_answers(server)


def test_a_construct_of_the_whole_store_squared_is_bounded(server: LiveServer) -> None:
    response = ask(
        server,
        "CONSTRUCT { ?s ?p ?o . ?a ?b ?c } WHERE { ?s ?p ?o . ?a ?b ?c }",
        accept="application/n-triples",
    )
    if response.status_code == 200:
        assert response.text.count("\n") <= 2 * MAX_ROWS
    else:
        assert assert_error(response, 503) == "query_timeout"
    still_answers(server)


def test_deeply_nested_groups_are_refused_or_stopped_without_harm(server: LiveServer) -> None:
    query = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000
    response = ask(server, query)
    assert assert_error(response, 400) == "invalid_query"
    still_answers(server)


@pytest.mark.parametrize(
    "pattern",
    ["^(a+)+$", "(x+x+)+y", "^(a|aa)+$", "(.*a){20}"],
)
def test_catastrophic_regexes_are_bounded(server: LiveServer, pattern: str) -> None:
    response = ask(server, f'SELECT ?o WHERE {{ ?s ?p ?o FILTER(REGEX(STR(?o), "{pattern}")) }}')
    if response.status_code != 200:
        assert_error(response, 400, 503)
    still_answers(server)


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:22/",
        "http://localhost/sparql",
        "http://[::1]/sparql",
        "file:///etc/passwd",
    ],
)
def test_service_to_any_address_is_refused(server: LiveServer, target: str) -> None:
    response = ask(server, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
    assert assert_error(response, 400) == "invalid_query"
    own = ask(server, f"SELECT * WHERE {{ SERVICE SILENT <{server.url}/sparql> {{ ?s ?p ?o }} }}")
    assert assert_error(own, 400) == "invalid_query"


@pytest.mark.parametrize("source", ["file:///etc/passwd", "http://127.0.0.1:1/data.ttl"])
def test_load_is_refused_on_both_endpoints(server: LiveServer, source: str) -> None:
    query = ask(server, f"LOAD <{source}>")
    assert assert_error(query, 400) == "invalid_query"
    update = httpx.post(
        server.url + "/update",
        content=f"LOAD <{source}> INTO GRAPH <http://example.org/loaded>",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert assert_error(update, 400) == "invalid_query"
    assert httpx.get(server.url + "/health").json()["documents"] == 30


def test_a_huge_limit_is_capped_to_the_row_limit(server: LiveServer) -> None:
    response = ask(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 100000000")
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS
    assert response.headers["X-Mkg-Truncated"] == "true"


def test_a_query_over_the_length_cap_is_refused(server: LiveServer) -> None:
    response = ask(server, "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000)
    assert_error(response, 413)


def test_deeply_nested_groups_in_an_update_do_not_take_the_server_down(tmp_path: Path) -> None:
    live = LiveServer.start(tmp_path / "data", {"MKG_ADMIN_TOKEN": TOKEN})
    try:
        update = (
            "INSERT { GRAPH <http://example.org/g> { ?s ?p ?o } } WHERE "
            + "{ " * 5000
            + "?s ?p ?o"
            + " }" * 5000
        )
        try:
            response = httpx.post(
                live.url + "/update",
                content=update,
                headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
                timeout=30,
            )
            assert assert_error(response, 400) == "invalid_query"
        except httpx.HTTPError:
            pass
        assert live.process.poll() is None, "the server process died"
        assert httpx.get(live.url + "/health", timeout=10).status_code == 200
    finally:
        live.stop()
