"""Run the W3C SPARQL 1.1 Protocol tests (`sparql11/protocol/manifest.ttl`) against maintainer-kg.

Each test is a list of HTTP requests with the status class (and, for ASK, the boolean; or the kind of
result format) expected back. Queries go to `/sparql`; updates (a `application/sparql-update` body, an
`update=` form, or `update=` in the URL) go to `/update` with the admin token. A test's `ut:graphData`
is loaded first with `PUT /store?graph=<its label>`.

    python scripts/sparql_protocol_tests.py                       # in-process app, in-memory store
    python scripts/sparql_protocol_tests.py --endpoint http://127.0.0.1:8000 --token TOKEN
    python scripts/sparql_protocol_tests.py --report docs/sparql-protocol.md
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDFS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = ROOT.parent / "shared" / "w3c-sparql11" / "sparql11" / "protocol" / "manifest.ttl"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


@dataclass
class Exchange:
    """One request of a test and what must come back."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    boolean: bool | None = None
    result_format: str | None = None


@dataclass
class ProtocolTest:
    name: str
    iri: str
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)


@dataclass
class Outcome:
    test: ProtocolTest
    passed: bool
    reason: str = ""


def read_tests(manifest: Path) -> Iterator[ProtocolTest]:
    """The mf:ProtocolTest entries, in manifest order."""
    graph = Graph()
    graph.parse(manifest, format="turtle", publicID=BASE + "manifest.ttl")
    head = next(graph.objects(None, MF.entries))
    for node in Collection(graph, head):
        test = ProtocolTest(name=str(graph.value(node, MF.name)), iri=str(node))
        for data in graph.objects(node, UT.graphData):
            file_iri = str(graph.value(data, UT.graph))
            test.graph_data.append(
                (manifest.parent / file_iri[len(BASE) :], str(graph.value(data, RDFS.label)))
            )
        action = graph.value(node, MF.action)
        for request in Collection(graph, graph.value(action, HT.requests)):
            headers: dict[str, str] = {}
            header_list = graph.value(request, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
            body_node = graph.value(request, HT.body)
            body = None
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            response = graph.value(request, HT.resp)
            statuses = {str(s)[len(str(HTS)) :] for s in graph.objects(response, MF.expectedStatus)}
            boolean = graph.value(response, MF.expectedBoolean)
            result_format = graph.value(response, MF.expectedFormat)
            test.exchanges.append(
                Exchange(
                    method=str(graph.value(request, HT.methodName)),
                    path=str(graph.value(request, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    boolean=bool(boolean.toPython()) if boolean is not None else None,
                    result_format=str(result_format) if result_format is not None else None,
                )
            )
        yield test


def _is_update(exchange: Exchange) -> bool:
    content_type = exchange.headers.get("content-type", "").split(";")[0].strip().lower()
    query = parse_qs(urlsplit(exchange.path).query)
    if content_type == "application/sparql-update" or "update" in query:
        return True
    if exchange.body is not None and content_type in ("application/x-www-form-urlencoded", ""):
        try:
            return "update" in parse_qs(exchange.body.decode("utf-8"))
        except UnicodeDecodeError:
            return False
    return False


def _status_class(code: int) -> str:
    return f"StatusCode{code // 100}xx"


def run_test(client: httpx.Client, test: ProtocolTest, token: str) -> Outcome:
    auth = {"Authorization": f"Bearer {token}"}
    try:
        for path, graph_iri in test.graph_data:
            response = client.put(
                "/store",
                params={"graph": graph_iri},
                content=path.read_bytes(),
                headers={**auth, "Content-Type": "application/n-triples"},
            )
            if response.status_code >= 300:
                return Outcome(test, False, f"load {path.name}: HTTP {response.status_code}")
        for number, exchange in enumerate(test.exchanges, start=1):
            update = _is_update(exchange)
            endpoint = "/update" if update else "/sparql"
            split = urlsplit(exchange.path)
            url = endpoint + (f"?{split.query}" if split.query else "")
            headers = {**exchange.headers, **(auth if update else {})}
            response = client.request(exchange.method, url, headers=headers, content=exchange.body)
            got = _status_class(response.status_code)
            if got not in exchange.statuses:
                return Outcome(
                    test,
                    False,
                    f"request {number}: HTTP {response.status_code}, expected "
                    f"{' or '.join(sorted(exchange.statuses))}: {response.text[:150]}",
                )
            media_type = response.headers.get("content-type", "").split(";")[0].strip()
            if exchange.boolean is not None:
                answer = json.loads(response.content).get("boolean") if "json" in media_type else None
                if answer is None and "xml" in media_type:
                    answer = b"<boolean>true</boolean>" in response.content or (
                        False if b"<boolean>false</boolean>" in response.content else None
                    )
                if answer is not exchange.boolean:
                    return Outcome(test, False, f"request {number}: expected boolean {exchange.boolean}")
            if exchange.result_format == "tabular" and media_type not in RESULT_TYPES:
                return Outcome(test, False, f"request {number}: {media_type} is not a results format")
            if exchange.result_format == "RDF" and media_type not in RDF_TYPES:
                return Outcome(test, False, f"request {number}: {media_type} is not an RDF format")
        return Outcome(test, True)
    except Exception as error:  # every test gets an outcome
        return Outcome(test, False, f"{type(error).__name__}: {error}"[:200])
    finally:
        client.post(
            "/update",
            content="DROP SILENT ALL",
            headers={**auth, "Content-Type": "application/sparql-update"},
        )


def in_process_client(token: str) -> httpx.Client:
    """A client bound to the app in this process, on a fresh in-memory store."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_store
    from api.settings import Settings
    from graph.store import open_memory_store

    store = open_memory_store()
    app = create_app(Settings(admin_token=token, query_workers=1))
    app.dependency_overrides[get_store] = lambda: store
    return TestClient(app, raise_server_exceptions=False)


def run_all(client: httpx.Client, manifest: Path, token: str) -> list[Outcome]:
    return [run_test(client, test, token) for test in read_tests(manifest)]


def report_lines(outcomes: list[Outcome]) -> list[str]:
    """Markdown: the pass count and a table of every test."""
    passed = sum(o.passed for o in outcomes)
    lines = [
        f"**{passed} of {len(outcomes)} protocol tests passed.**",
        "",
        "| test | result | note |",
        "| --- | --- | --- |",
    ]
    for outcome in outcomes:
        note = outcome.reason.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {outcome.test.name} | {'pass' if outcome.passed else 'FAIL'} | {note} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--endpoint", help="base URL of a running server (default: the app in-process)")
    parser.add_argument("--token", default="protocol-token", help="admin token for /update and /store")
    parser.add_argument("--report", type=Path, help="write a Markdown table here")
    args = parser.parse_args(argv)
    if not args.manifest.is_file():
        print(f"sparql_protocol_tests: manifest not found at {args.manifest}", file=sys.stderr)
        return 2
    client = (
        httpx.Client(base_url=args.endpoint, timeout=30) if args.endpoint else in_process_client(args.token)
    )
    outcomes: list[Any] = run_all(client, args.manifest, args.token)
    passed = sum(o.passed for o in outcomes)
    print(f"{passed} passed, {len(outcomes) - passed} failed")
    for outcome in outcomes:
        if not outcome.passed:
            print(f"  FAIL {outcome.test.name}: {outcome.reason}")
    if args.report:
        args.report.write_text("\n".join(report_lines(outcomes)) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
