"""`mkg export` and `mkg analyze` over a data directory holding the hand-written fixture graph."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Dataset
from typer.testing import CliRunner

from api.cli import app
from graph.store import open_store
from tests.views_fixture import LAURENT, RENEE, load_fixture

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MKG_DATA_DIR", "MKG_STORE", "MKG_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    store = open_store(data)
    load_fixture(store)
    store.close()
    return data


def test_export_picks_the_format_from_the_file_name(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "graph.gexf"
    result = runner.invoke(app, ["export", "-o", str(target), "--layout", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    graph = nx.read_gexf(target)
    assert graph.nodes[LAURENT]["label"] == "Laurent Bernaille"
    assert "position" in graph.nodes[LAURENT]["viz"]
    assert not (tmp_path / "graph.gexf.part").exists()


def test_export_to_standard_output_with_filters(data_dir: Path) -> None:
    result = runner.invoke(
        app, ["export", "-f", "nquads", "-d", "doc-a", "-t", "Person", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    dataset = Dataset()
    dataset.parse(data=result.stdout_bytes, format="nquads")
    assert len(dataset) > 0


def test_export_errors_are_one_line_and_leave_no_file(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "graph.svg"
    result = runner.invoke(app, ["export", "-o", str(target), "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "invalid_parameter" in result.output
    assert not target.exists()
    unknown = runner.invoke(app, ["export", "-f", "trig", "-d", "doc-z", "--data-dir", str(data_dir)])
    assert unknown.exit_code == 1 and "doc-z" in unknown.output


def test_analyze_prints_rankings_as_json(data_dir: Path) -> None:
    result = runner.invoke(app, ["analyze", "-f", "json", "--limit", "2", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    body = json.load(io.StringIO(result.stdout))
    assert [p["key"] for p in body["people"]] == [RENEE, LAURENT]


def test_analyze_prints_tables(data_dir: Path) -> None:
    result = runner.invoke(app, ["analyze", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "Renée O'Brien" in result.stdout and "communities" in result.stdout
