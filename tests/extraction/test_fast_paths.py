"""The faster paths of the pipeline give what the spaCy components they stand for give.

The attribute table against the model's attribute ruler, the name ruler's phrase matching against the
token patterns of `ruler_patterns`, the trigger matcher against spaCy's Matcher: on hand-written text,
on generated token sequences, and on the shared corpus when it is there.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from graph.extraction.attributes import AttributeTable, LemmaTable
from graph.extraction.mentions import _coordinated
from graph.extraction.pipeline import (
    MODEL_PACKAGE,
    REGIONS,
    NameRuler,
    _windows,
    gazetteer,
    ruler_patterns,
    stoplist,
)
from graph.extraction.relations import _RULE_MATCHER, RULES, RuleMatcher
from graph.records import EntityType

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPUS = SHARED / "corpus"

HAND_WRITTEN = [
    "I'd say there is nothing better. Let's go, y'all gonna love it, ain't it?",
    "But she said that he gave it to me; I have been being told it was his and not hers.",
    "Once there, we could've done something. You and I are maintainers; it's ours. Don't you?",
    "He's got to do it because they'd had their say, and those who were here did so too.",
]


@pytest.fixture(scope="module")
def model() -> Language:
    """The model as published, with its own attribute ruler."""
    return spacy.load(MODEL_PACKAGE, disable=["ner"])


def _attributes(doc: Doc) -> list[tuple[object, ...]]:
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def _both_ways(model: Language, text: str) -> tuple[Doc, Doc]:
    """`text` through the model with its attribute ruler and lemmatizer, and with the tables in their
    place."""
    doc = model.make_doc(text)
    for name, component in model.pipeline:
        if name == "attribute_ruler":
            break
        doc = component(doc)
    ruled, tabled = doc.copy(), doc.copy()
    ruled = model.get_pipe("attribute_ruler")(ruled)
    tabled = AttributeTable.from_ruler(model.get_pipe("attribute_ruler"))(tabled)
    lemmatizer = model.get_pipe("lemmatizer")
    return lemmatizer(ruled), LemmaTable(lemmatizer)(tabled)


@pytest.mark.parametrize("text", HAND_WRITTEN)
def test_attribute_and_lemma_tables_set_what_the_models_components_set(model: Language, text: str) -> None:
    ruled, tabled = _both_ways(model, text)
    assert _attributes(tabled) == _attributes(ruled)
    assert any(t.pos_ == "AUX" for t in tabled) and any(t.lemma_ == "be" for t in tabled)
    assert all(t.lemma_ for t in tabled)


def test_the_pipeline_uses_the_tables_in_place_of_the_models_components(nlp: Language) -> None:
    assert "attribute_table" in nlp.pipe_names and "attribute_ruler" not in nlp.pipe_names
    assert "lemma_table" in nlp.pipe_names and "lemmatizer" not in nlp.pipe_names
    doc = nlp("She was giving talks about the projects she maintains.")
    verbs_and_nouns = [t.lemma_ for t in doc if t.pos_ in {"VERB", "AUX", "NOUN"}]
    assert verbs_and_nouns == ["be", "give", "talk", "project", "maintain"]


def test_attribute_and_lemma_tables_match_the_model_on_the_corpus(model: Language) -> None:
    if not CORPUS.is_dir():
        pytest.skip("no shared corpus beside the repository")
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.md"))[:6]]
    for text in texts:
        ruled, tabled = _both_ways(model, text[:20_000])
        assert _attributes(tabled) == _attributes(ruled)


TAGS = ["NN", "NNP", "PRP", "PRP$", "DT", "WDT", "IN", "MD", "VB", "VBP", "VBZ", "VBD", "VBN", "VBG", "RB",
        "CC", "TO", "_SP", "JJ", "CD"]  # fmt: skip
DEPS = ["nsubj", "dobj", "pobj", "aux", "auxpass", "ROOT", "mark", "det", "expl", "advmod", "conj", "dep",
        "quantmod", "ccomp", ""]  # fmt: skip
WORDS = ["i", "I", "you", "it", "do", "did", "'d", "have", "had", "is", "'s", "are", "was", "be", "been",
         "being", "that", "the", "a", "this", "not", "n't", "there", "gon", "na", "got", "ta", "let", "y'",
         "y", "all", "ai", "nothin'", "'ll", "but", "since", "her", "his", "its", "Cilium", "runs", " ",
         "\n", "c'm", "on", "gets", "well", "someone"]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(TAGS), st.sampled_from(DEPS)), min_size=1,
                max_size=8))  # fmt: skip
def test_attribute_table_agrees_with_the_ruler_on_any_tagged_tokens(
    model: Language, tokens: list[tuple[str, str, str]]
) -> None:
    words = [w for w, _, _ in tokens]
    deps = [d for _, _, d in tokens]
    # A Doc has a dependency label for every token or for none.
    heads = list(range(len(words))) if any(deps) else None
    dep_labels = [d or "dep" for d in deps] if any(deps) else None
    doc = Doc(model.vocab, words=words, tags=[t for _, t, _ in tokens], heads=heads, deps=dep_labels)
    ruled = model.get_pipe("attribute_ruler")(doc.copy())
    tabled = AttributeTable.from_ruler(model.get_pipe("attribute_ruler"))(doc.copy())
    assert _attributes(tabled) == _attributes(ruled)


def _reference_matcher(nlp: Language) -> Matcher:
    """spaCy's Matcher with every token pattern of `ruler_patterns`, keyed as the entity ruler keys them."""
    matcher = Matcher(nlp.vocab)
    for entry in ruler_patterns(lambda text: [t.text for t in nlp.make_doc(text)]):
        if isinstance(entry["pattern"], list):
            key = entry["label"] + ("||" + entry["id"] if "id" in entry else "")
            matcher.add(key, [entry["pattern"]])
    return matcher


def _token_rule_matches(ruler: NameRuler, doc: Doc) -> set[tuple[int, int, int]]:
    found = [*ruler._token_pattern_matches(doc), *ruler._stop(doc), *ruler._edition_matches(doc)]
    return {(key, start, end) for key, start, end in found}


CONFERENCE_WORDS = sorted({w for e in gazetteer() if e.type is EntityType.CONFERENCE for w in e.name.split()})
RULER_WORDS = sorted(
    {*CONFERENCE_WORDS, *(w for r in REGIONS for w in r.split()), *(w for s in stoplist() for w in s.split()),
     "2023", "1999", "2100", "KCD", "Munich", "China", "SIG", "Node", "Working", "Group", "the", "in", "and",
     "WG", "Committee", "of", "Steering", "\n", "-"}
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(RULER_WORDS), st.sampled_from(["lower", "upper", "title", "same"])),
                min_size=1, max_size=9))  # fmt: skip
def test_name_ruler_finds_what_the_token_patterns_find(nlp: Language, words: list[tuple[str, str]]) -> None:
    cased = [getattr(w, case)() if case != "same" else w for w, case in words]
    doc = Doc(nlp.vocab, words=cased)
    ruler = nlp.get_pipe("entity_ruler")
    assert isinstance(ruler, NameRuler)
    assert _token_rule_matches(ruler, doc) == set(_reference_matcher(nlp)(doc))


def test_name_ruler_finds_what_the_token_patterns_find_in_the_corpus(nlp: Language) -> None:
    if not CORPUS.is_dir():
        pytest.skip("no shared corpus beside the repository")
    ruler = nlp.get_pipe("entity_ruler")
    assert isinstance(ruler, NameRuler)
    reference = _reference_matcher(nlp)
    for path in sorted(CORPUS.rglob("*.md")):
        doc = nlp.make_doc(path.read_text(encoding="utf-8"))
        assert _token_rule_matches(ruler, doc) == set(reference(doc))


def test_windows_around_hits_cover_every_short_stretch_once() -> None:
    assert list(_windows([], 3, 20)) == []
    assert list(_windows([0, 4, 15], 3, 20)) == [(0, 8), (12, 19)]
    assert list(_windows([10], 30, 20)) == [(0, 20)]


def test_group_names_are_found_around_their_words(nlp: Language) -> None:
    doc = nlp("Members of SIG Node and the Technical Oversight Committee met the Batch Working Group.")
    groups = [e.text for e in doc.ents if e.label_ == EntityType.ORGANIZATION.value]
    assert groups == ["SIG Node", "Technical Oversight Committee", "Batch Working Group"]


def test_conference_editions_are_matched_with_region_and_year(nlp: Language) -> None:
    doc = nlp("We met at KubeCon EU 2022 and again at 2023 KubeCon, then at KubeCon North America.")
    conferences = [e.text for e in doc.ents if e.label_ == EntityType.CONFERENCE.value]
    assert conferences == ["KubeCon EU 2022", "2023 KubeCon", "KubeCon North America"]


def test_a_listed_name_wins_over_a_rule_matching_the_same_words(nlp: Language) -> None:
    doc = nlp("She spoke at KubeCon last year.")
    (kubecon,) = [e for e in doc.ents if e.text == "KubeCon"]
    assert kubecon.ent_id_ == "hand"


def _reference_rule_matches(nlp: Language, doc: Doc, start: int, end: int) -> list[tuple[str, int, int]]:
    matcher = Matcher(nlp.vocab)
    for rule in RULES:
        matcher.add(rule.name, [list(p) for p in rule.patterns])
    found = sorted(matcher(doc[start:end]), key=lambda m: (m[1], m[2]))
    return [(nlp.vocab.strings[key], start + s, start + e) for key, s, e in found]


TRIGGER_WORDS = sorted(
    {w for rule in RULES for p in rule.patterns for spec in p for v in spec.values() if isinstance(v, dict)
     for w in v.get("IN", [])} | {"by", "with", "on", "the", "in", "area", "focus", "be", "really", "x"}
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.sampled_from(TRIGGER_WORDS), st.sampled_from(TRIGGER_WORDS), st.sampled_from(
        ["ADV", "VERB", "NOUN", "ADP"])), min_size=1, max_size=8),
    st.integers(0, 3),
)  # fmt: skip
def test_trigger_matcher_finds_what_spacys_matcher_finds(
    nlp: Language, tokens: list[tuple[str, str, str]], cut: int
) -> None:
    doc = Doc(nlp.vocab, words=[w for w, _, _ in tokens], lemmas=[m for _, m, _ in tokens],
              pos=[p for _, _, p in tokens])  # fmt: skip
    start = min(cut, len(doc) - 1)
    expected = _reference_rule_matches(nlp, doc, start, len(doc))
    assert _RULE_MATCHER(RuleMatcher.columns(doc), start, len(doc)) == expected


def test_trigger_matcher_gives_every_length_of_an_open_ended_pattern(nlp: Language) -> None:
    doc = nlp("Our focus is really very much on networking.")
    found = _RULE_MATCHER(RuleMatcher.columns(doc), 0, len(doc))
    assert found == _reference_rule_matches(nlp, doc, 0, len(doc))
    assert [(name, s, e) for name, s, e in found if name == "focus_on"]


def test_coordinated_tokens_are_those_with_conjuncts(nlp: Language) -> None:
    doc = nlp("We use Prow, TestGrid and Tide, and they build kind and kubeadm while she tests.")
    assert _coordinated(doc) == [t.i for t in doc if t.conjuncts]
    assert _coordinated(doc)


def test_the_pipeline_components_survive_pickling_for_worker_processes(nlp: Language) -> None:
    """`extract_all(n_process=2)` under the spawn start method pickles every component."""
    text = "I'd say Liz Rice gave a talk at KubeCon EU 2022 for SIG Node; we're gonna use Cilium."
    expected = nlp(text)
    doc = nlp.make_doc(text)
    for _, component in nlp.pipeline:
        doc = pickle.loads(pickle.dumps(component))(doc)
    assert _attributes(doc) == _attributes(expected)
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [
        (e.text, e.label_, e.ent_id_) for e in expected.ents
    ]
