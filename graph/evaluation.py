"""Scoring extractions against the hand-made gold files (see the gold README's "Suggested matching").

A predicted entity matches a gold entity when one of its surface forms (name or alias) equals the
gold name or a gold alias, ignoring case and whitespace. Relations are compared as (subject,
predicate, object) sets after mapping both ends onto gold entities. The pure scoring functions take
plain dicts in the gold-file shape; `evaluate_gold` does the reading and extracting around them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GoldDict = Mapping[str, Any]
Triple = tuple[str, str, str]

_NARRATOR = re.compile(r"^author of (.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Scores:
    """True positives, false positives and false negatives, with the usual ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class FileScore:
    """Scores of one gold file."""

    file: str
    entities_typed: Scores
    entities_untyped: Scores
    relations: Scores

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "entities_typed": self.entities_typed.to_dict(),
            "entities_untyped": self.entities_untyped.to_dict(),
            "relations": self.relations.to_dict(),
        }


@dataclass(frozen=True)
class EvaluationReport:
    """Per-file scores and their micro-averaged totals."""

    files: list[FileScore]

    def _total(self, attribute: str) -> Scores:
        total = Scores()
        for score in self.files:
            total = total + getattr(score, attribute)
        return total

    @property
    def entities_typed(self) -> Scores:
        return self._total("entities_typed")

    @property
    def entities_untyped(self) -> Scores:
        return self._total("entities_untyped")

    @property
    def relations(self) -> Scores:
        return self._total("relations")

    def to_dict(self) -> dict[str, Any]:
        return {
            "micro": {
                "entities_typed": self.entities_typed.to_dict(),
                "entities_untyped": self.entities_untyped.to_dict(),
                "relations": self.relations.to_dict(),
            },
            "files": [score.to_dict() for score in self.files],
        }


def normalise_surface(name: str) -> str:
    """Comparison form of a name: case-folded, whitespace removed.

    Narrator names `Author of <path>` compare by the file name alone, so a narrator named after the
    path as the user gave it still matches the gold's corpus-relative path.
    """
    narrator = _NARRATOR.match(name.strip())
    if narrator:
        name = "author of " + narrator.group(1).strip().replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"\s+", "", name).casefold()


def _forms(entity: Mapping[str, Any]) -> set[str]:
    return {normalise_surface(entity["name"])} | {normalise_surface(a) for a in entity.get("aliases", ())}


def match_entities(
    predicted: Iterable[Mapping[str, Any]], gold: Iterable[Mapping[str, Any]], *, typed: bool
) -> tuple[dict[str, str], Scores]:
    """Map predicted entity names onto gold entity names, one to one, and score the matching.

    Name-to-name matches are made first, then matches through aliases, each in input order. A
    second predicted entity for an already matched gold entity is a false positive (a split).
    """
    predicted = list(predicted)
    gold = list(gold)
    gold_forms = [_forms(g) for g in gold]
    gold_names = [normalise_surface(g["name"]) for g in gold]
    taken: set[int] = set()
    mapping: dict[str, str] = {}

    def compatible(p: Mapping[str, Any], index: int) -> bool:
        return index not in taken and (not typed or p.get("type") == gold[index].get("type"))

    unmatched: list[Mapping[str, Any]] = []
    for p in predicted:
        name = normalise_surface(p["name"])
        index = next((i for i, g in enumerate(gold_names) if g == name and compatible(p, i)), None)
        if index is None:
            unmatched.append(p)
            continue
        taken.add(index)
        mapping[p["name"]] = gold[index]["name"]
    false_positives = 0
    for p in unmatched:
        forms = _forms(p)
        index = next((i for i, g in enumerate(gold_forms) if forms & g and compatible(p, i)), None)
        if index is None:
            false_positives += 1
            continue
        taken.add(index)
        mapping[p["name"]] = gold[index]["name"]
    scores = Scores(tp=len(taken), fp=false_positives, fn=len(gold) - len(taken))
    return mapping, scores


def gold_name_of(
    name: str, predicted_entities: Iterable[Mapping[str, Any]], gold_entities: Iterable[Mapping[str, Any]]
) -> str:
    """The gold entity a predicted relation end names, by its name first, then any alias; else itself."""
    wanted = normalise_surface(name)
    forms = {wanted}
    for p in predicted_entities:
        if normalise_surface(p["name"]) == wanted:
            forms |= _forms(p)
    gold_entities = list(gold_entities)
    for g in gold_entities:
        if normalise_surface(g["name"]) == wanted:
            return str(g["name"])
    for g in gold_entities:
        if wanted in _forms(g):
            return str(g["name"])
    for g in gold_entities:
        if forms & _forms(g):
            return str(g["name"])
    return name


def score_file(predicted: GoldDict, gold: GoldDict, file: str = "") -> FileScore:
    """Typed and untyped entity scores and relation scores of one prediction against its gold."""
    _, typed = match_entities(predicted["entities"], gold["entities"], typed=True)
    _, untyped = match_entities(predicted["entities"], gold["entities"], typed=False)
    predicted_triples, gold_triples = relation_sets(predicted, gold)
    tp = len(predicted_triples & gold_triples)
    relations = Scores(tp=tp, fp=len(predicted_triples) - tp, fn=len(gold_triples) - tp)
    return FileScore(file=file, entities_typed=typed, entities_untyped=untyped, relations=relations)


def relation_sets(predicted: GoldDict, gold: GoldDict) -> tuple[set[Triple], set[Triple]]:
    """(predicted triples, gold triples), the predicted ends mapped onto gold names."""
    names = {
        end: gold_name_of(end, predicted["entities"], gold["entities"])
        for r in predicted["relations"]
        for end in (r["subject"], r["object"])
    }
    predicted_triples = {
        (names[r["subject"]], r["predicate"], names[r["object"]]) for r in predicted["relations"]
    }
    gold_triples = {(r["subject"], r["predicate"], r["object"]) for r in gold["relations"]}
    return predicted_triples, gold_triples


def gold_files(gold_dir: Path) -> list[Path]:
    """The gold JSON files of a folder, sorted by name."""
    return sorted(p for p in gold_dir.glob("*.json") if p.is_file())


def predict_gold_json(source_path: str, corpus_dir: Path) -> dict[str, Any]:
    """Run the extractor on one corpus file, named by its corpus-relative path as the gold does."""
    from graph.documents import read_document
    from graph.extraction import extract, to_gold_json

    data = (corpus_dir / source_path).read_bytes()
    return to_gold_json(extract(read_document(data, source_path)))


def evaluate_gold(gold_dir: Path, corpus_dir: Path | None = None) -> EvaluationReport:
    """Extract every text a gold file names and score it; corpus_dir defaults to gold_dir/../corpus."""
    corpus = corpus_dir if corpus_dir is not None else gold_dir.parent / "corpus"
    scores = []
    for path in gold_files(gold_dir):
        gold = json.loads(path.read_text(encoding="utf-8"))
        predicted = predict_gold_json(gold["source"]["path"], corpus)
        scores.append(score_file(predicted, gold, path.name))
    return EvaluationReport(files=scores)


def main(argv: list[str] | None = None) -> int:
    """`python -m graph.evaluation GOLD_DIR [CORPUS_DIR]`: print the report as JSON."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m graph.evaluation GOLD_DIR [CORPUS_DIR]", file=sys.stderr)
        return 2
    report = evaluate_gold(Path(args[0]), Path(args[1]) if len(args) > 1 else None)
    print(json.dumps(report.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
