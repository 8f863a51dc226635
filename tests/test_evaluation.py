"""Scoring against gold files: matching by names and aliases, per-file and micro scores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from graph.evaluation import (
    EvaluationReport,
    FileScore,
    Scores,
    evaluate_gold,
    gold_name_of,
    match_entities,
    normalise_surface,
    score_file,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def entity(name: str, kind: str, *aliases: str) -> dict[str, Any]:
    return {"name": name, "type": kind, "aliases": list(aliases)}


def relation(subject: str, predicate: str, obj: str) -> dict[str, Any]:
    return {"subject": subject, "predicate": predicate, "object": obj, "evidence": "..."}


GOLD = {
    "entities": [
        entity("Benjamin Elder", "Person", "Ben", "BenTheElder"),
        entity("Kubernetes", "Project", "K8s"),
        entity("Google", "Organization"),
        entity("KIND", "Project"),
    ],
    "relations": [
        relation("Benjamin Elder", "worksAt", "Google"),
        relation("Benjamin Elder", "contributedTo", "Kubernetes"),
        relation("KIND", "createdBy", "Benjamin Elder"),
    ],
}


def test_scores_compute_precision_recall_and_f1() -> None:
    scores = Scores(tp=3, fp=1, fn=2)
    assert scores.precision == pytest.approx(0.75)
    assert scores.recall == pytest.approx(0.6)
    assert scores.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Scores().f1 == 0.0 and Scores().precision == 0.0 and Scores().recall == 0.0
    assert Scores(1, 2, 3) + Scores(4, 5, 6) == Scores(5, 7, 9)


def test_names_compare_without_case_and_whitespace() -> None:
    assert normalise_surface("  Kube Con\nEU ") == normalise_surface("kubecon eu")
    assert normalise_surface("Author of cilium-blog/post__index.md") == normalise_surface(
        "Author of post__index.md"
    )
    assert normalise_surface("Author of a.md") != normalise_surface("Author of b.md")


def test_entities_match_through_names_and_aliases_one_to_one() -> None:
    predicted = [
        entity("ben", "Person"),  # alias of the gold name
        entity("Benjamin Elder", "Person"),  # exact name: wins the gold entity
        entity("kubernetes", "Technology"),  # right name, wrong type
        entity("Google LLC", "Organization", "Google"),  # a predicted alias matches
        entity("Prow", "Project"),  # not in the gold
    ]
    mapping, typed = match_entities(predicted, GOLD["entities"], typed=True)
    assert typed == Scores(tp=2, fp=3, fn=2)
    assert mapping == {"Benjamin Elder": "Benjamin Elder", "Google LLC": "Google"}
    _, untyped = match_entities(predicted, GOLD["entities"], typed=False)
    assert untyped == Scores(tp=3, fp=2, fn=1)


def test_relation_ends_map_onto_gold_names() -> None:
    predicted_entities = [entity("Ben", "Person"), entity("K8s", "Project")]
    assert gold_name_of("Ben", predicted_entities, GOLD["entities"]) == "Benjamin Elder"
    assert gold_name_of("k8s", predicted_entities, GOLD["entities"]) == "Kubernetes"
    assert gold_name_of("Prow", predicted_entities, GOLD["entities"]) == "Prow"


def test_score_file_counts_relation_triples_after_mapping() -> None:
    predicted = {
        "entities": [entity("Ben", "Person"), entity("Google", "Organization"), entity("k8s", "Project")],
        "relations": [
            relation("Ben", "worksAt", "Google"),  # right, through an alias
            relation("Ben", "contributedTo", "k8s"),  # right, both ends through aliases
            relation("Ben", "contributedTo", "k8s"),  # a duplicate counts once
            relation("Ben", "maintainerOf", "k8s"),  # wrong predicate
        ],
    }
    score = score_file(predicted, GOLD, "x.json")
    assert score.file == "x.json"
    assert score.relations == Scores(tp=2, fp=1, fn=1)
    assert score.entities_typed == Scores(tp=3, fp=0, fn=1)


def test_report_totals_are_micro_averages() -> None:
    first = FileScore("a", Scores(1, 0, 1), Scores(2, 0, 0), Scores(1, 1, 0))
    second = FileScore("b", Scores(3, 1, 0), Scores(3, 1, 0), Scores(0, 0, 2))
    report = EvaluationReport([first, second])
    assert report.entities_typed == Scores(4, 1, 1)
    assert report.relations == Scores(1, 1, 2)
    as_dict = report.to_dict()
    assert as_dict["micro"]["relations"]["tp"] == 1
    assert as_dict["micro"]["relations"]["f1"] == pytest.approx(round(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3), 4))
    assert [f["file"] for f in as_dict["files"]] == ["a", "b"]
    json.dumps(as_dict)  # plain data


@pytest.mark.slow
def test_evaluate_gold_scores_a_real_gold_file(tmp_path: Path) -> None:
    gold_file = SHARED / "gold" / "k8s-blog__sig-node-spotlight.json"
    if not gold_file.exists() or not (SHARED / "corpus").is_dir():
        pytest.skip("the shared gold set is not available")
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    shutil.copy(gold_file, gold_dir / gold_file.name)
    report = evaluate_gold(gold_dir, SHARED / "corpus")
    assert [f.file for f in report.files] == [gold_file.name]
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    relations = report.relations
    assert relations.tp + relations.fn == len(gold["relations"])
    assert report.entities_untyped.tp + report.entities_untyped.fn == len(gold["entities"])
    # the interview, membership and employment statements of this spotlight are read
    assert relations.tp >= len(gold["relations"]) // 2
