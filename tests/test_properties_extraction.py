"""Extraction over arbitrary Markdown-ish text built from the fragments real posts are made of: it never
crashes, every offset lies inside the text, and every span is its evidence."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graph.documents import read_document
from graph.errors import MkgError
from graph.records import Document, Extraction

pytestmark = pytest.mark.slow

INPUTS = Path(__file__).resolve().parent / "hostile" / "inputs"
# Raise for a longer hunt, e.g. MKG_PROPERTY_EXAMPLES=2000; the suite keeps it small (spaCy is slowish).
EXAMPLES = int(os.environ.get("MKG_PROPERTY_EXAMPLES", "50"))

PEOPLE = ["Laurent Bernaille", "Liz Rice", "Thomas Graf", "Arpit Agarwal", "Jane Doe", "Ana-María Núñez"]
PROJECTS = ["Cilium", "Kubernetes", "kube-proxy", "Envoy", "Tetragon"]
ORGS = ["Datadog", "Isovalent", "Red Hat", "Google", "DB Schenker"]
CONFERENCES = ["KubeCon EU", "CiliumCon", "eBPF Summit"]

person = st.sampled_from(PEOPLE)
project = st.sampled_from(PROJECTS)
org = st.sampled_from(ORGS)
conference = st.sampled_from(CONFERENCES)
noise = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=["L", "N", "P", "S", "Zs"],
        exclude_characters="\x00",
    ),
    max_size=30,
)

sentence = st.one_of(
    st.builds("{} works at {}.".format, person, org),
    st.builds("{} contributed to {} since 2019.".format, person, project),
    st.builds("{} is a maintainer of {}.".format, person, project),
    st.builds("{} was created by {}.".format, project, person),
    st.builds("I spoke at {} about {}.".format, conference, project),
    st.builds("We use {} at {}.".format, project, org),
    st.builds("{} and {} know each other from {}.".format, person, person, conference),
    st.builds("{} {} {}".format, noise, person, noise),
)

fragment = st.one_of(
    sentence,
    st.builds("## Meet {}".format, person),
    st.builds("**{}:** {}".format, person, sentence),
    st.builds("**What do you work on?**\n\n{}".format, sentence),
    st.builds("[{}](https://example.com/{})".format, project, st.sampled_from(["a", "b/c", "d?e=f"])),
    st.builds("- {}".format, sentence),
    st.builds("  - {}".format, sentence),
    st.builds("> {}".format, sentence),
    st.builds("`{}`".format, project),
    st.builds("```\n{}\n```".format, sentence),
    st.just("import authors from 'utils/author-data';"),
    st.builds("<BlogAuthor {{...authors.{}}} />".format, st.sampled_from(["liz", "thomas"])),
    st.just('{{< figure src="/img/a.png" caption="A picture" >}}'),
    st.just('{{% alert title="Note" %}}Read this.{{% /alert %}}'),
    st.builds("<b>{}</b> at <i>{}</i>".format, person, org),
    st.builds("| {} | {} |\n|---|---|\n| {} | {} |".format, person, org, project, conference),
    noise,
)

front_matter = st.one_of(
    st.just(""),
    st.builds(
        '---\ntitle: "Meet the Maintainer: {}"\ndate: 2024-05-02\nauthors: ["{}"]\n---\n'.format,
        person,
        person,
    ),
    st.just('+++\ntitle = "A post"\n+++\n'),
)

markdown = st.builds(
    lambda head, parts, joiners: (
        head + "".join(part + joiners[i % len(joiners)] for i, part in enumerate(parts))
    ),
    front_matter,
    st.lists(fragment, min_size=1, max_size=10),
    st.lists(st.sampled_from(["\n", "\n\n", " ", "\r\n", "\n\n\n"]), min_size=1, max_size=3),
)


def document_of(text: str) -> Document | None:
    try:
        return read_document(text, "generated.md")
    except MkgError:
        return None  # refused inputs are covered by the bad-input corpus


def word_characters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def is_subsequence(short: str, long: str) -> bool:
    remaining = iter(long)
    return all(ch in remaining for ch in short)


def check_offsets(extraction: Extraction) -> None:
    document = extraction.document
    raw, text = document.raw, document.text
    for mention in extraction.mentions:
        assert 0 <= mention.start <= mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.text
        assert 0 <= mention.raw_start <= mention.raw_end <= len(raw)
        span = raw[mention.raw_start : mention.raw_end]
        # The raw span holds the mention, perhaps with markup inside (a link, emphasis).
        assert is_subsequence(word_characters(mention.text), word_characters(span)), (mention, span)
    for fact in extraction.facts:
        evidence = fact.evidence
        assert evidence.document_id == document.id
        assert 0 <= evidence.start < evidence.end <= len(raw)
        span = raw[evidence.start : evidence.end]
        assert re.sub(r"\s+", " ", span).strip() == re.sub(r"\s+", " ", evidence.text).strip()
    keys = {entity.key for entity in extraction.entities}
    for fact in extraction.facts:
        assert fact.subject in keys and fact.object in keys


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(markdown)
def test_extraction_never_crashes_and_every_span_is_its_evidence(text: str) -> None:
    from graph.extraction import extract

    document = document_of(text)
    assume(document is not None)
    assert document is not None
    check_offsets(extract(document))


@pytest.mark.parametrize("name", ["nested-lists.md", "nested-quotes.md", "yaml-alias-bomb.md"])
def test_extraction_survives_the_deep_inputs_of_the_bad_input_corpus(name: str) -> None:
    from graph.extraction import extract

    document = document_of((INPUTS / name).read_text(encoding="utf-8"))
    if document is None:
        return  # refused before extraction (the alias bomb): nothing to extract
    check_offsets(extract(document))
