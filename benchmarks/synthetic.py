"""Synthetic inputs of the product's own shape: blog posts to extract from, and graphs to store.

Everything is deterministic for a given seed. Names are made of invented syllables, so the gazetteers
do not know them and the statistical recogniser and the rules have to find them, as in new posts.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.records import (
    SIGNATURES,
    Document,
    DocumentMetadata,
    Entity,
    EntityType,
    Evidence,
    Extraction,
    Fact,
    Predicate,
)
from graph.vocab import entity_key

SYLLABLES = (
    "ka", "lo", "mi", "ren", "ta", "vo", "sil", "dra", "nu", "bek", "zor", "fi", "gan", "pel", "tur",
    "quin", "yas", "mar", "tel", "os", "ib", "ha", "jun", "cor", "lev", "ami", "ros", "ne", "dal", "wen",
)  # fmt: skip
PROJECT_SUFFIXES = ("", "-operator", "ctl", "d", "-mesh", "-proxy", "DB", "-controller")
ORG_SUFFIXES = (" Labs", " Systems", " Networks", " Cloud", " Technologies", " Software")
TECHNOLOGIES = ("Go", "Rust", "Python", "eBPF", "WebAssembly", "gRPC", "Linux", "Java")
CONFERENCES = ("KubeCon", "FOSDEM", "Open Source Summit", "PyCon", "All Things Open")

# Sentence templates of the kinds the corpus has; {p} person, {q} second person, {j} project,
# {o} organisation, {t} technology, {c} conference, {y} year.
STORY_SENTENCES = (
    "{p} works at {o}, where the team runs {j} in production.",
    "I started contributing to {j} in {y}, mostly fixing documentation and flaky tests.",
    "{p} is one of the maintainers of {j} and reviews most pull requests about networking.",
    "{j} was created by {p} while working at {o}.",
    "At {c} {y}, {p} gave a talk about scaling {j} to thousands of nodes.",
    "{o} develops {j} and sponsors two full-time engineers on it.",
    "We use {t} and {j} for almost every service we deploy.",
    "{p} and {q} met at {c} and have worked together on {j} ever since.",
    "My first pull request to {j} was a one-line change to the release notes.",
    "The community around {j} is welcoming, and the weekly meetings are open to everyone.",
    "Before joining {o}, {p} spent several years building tooling in {t}.",
    "Most of the hard problems were about upgrades, backwards compatibility and testing at scale.",
    "If you want to get involved, pick an issue labelled good first issue and ask questions on Slack.",
    "{q} helped me understand how the scheduler works and later became my mentor.",
    "Today {p} leads the special interest group that owns {j}.",
)  # fmt: skip
QUESTIONS = (
    "How did you get started with {j}?",
    "What does a typical week look like for you?",
    "What was the hardest bug you fixed?",
    "What advice would you give to new contributors?",
    "What are you excited about for the next release?",
)


def _name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def person_name(rng: random.Random) -> str:
    """A fresh two-word personal name ('Kaloren Tursil')."""
    return f"{_name(rng, rng.randint(2, 3))} {_name(rng, rng.randint(2, 3))}"


def project_name(rng: random.Random) -> str:
    """A fresh project name ('Velmarctl')."""
    return _name(rng, 2) + rng.choice(PROJECT_SUFFIXES)


def organization_name(rng: random.Random) -> str:
    """A fresh company name ('Zorfi Networks')."""
    return _name(rng, 2) + rng.choice(ORG_SUFFIXES)


def synthetic_post(rng: random.Random, index: int, words: int) -> str:
    """One Markdown post with front matter: an interview with Q&A turns and story paragraphs."""
    people = [person_name(rng) for _ in range(6)]
    projects = [project_name(rng) for _ in range(4)]
    orgs = [organization_name(rng) for _ in range(3)]
    interviewee, interviewer = people[0], people[1]
    year = 2015 + index % 10
    lines = [
        "---",
        f'title: "Meet the Maintainer: {interviewee}"',
        f"date: {year}-0{1 + index % 9}-1{index % 10}",
        f"authors: [{interviewer}]",
        "tags: [community, interview]",
        "---",
        "",
        f"This month we talked with {interviewee}, a maintainer of {projects[0]} who works at {orgs[0]}.",
        "",
    ]
    count = sum(len(line.split()) for line in lines)
    while count < words:
        fill = {
            "p": rng.choice(people),
            "q": rng.choice(people),
            "j": rng.choice(projects),
            "o": rng.choice(orgs),
            "t": rng.choice(TECHNOLOGIES),
            "c": rng.choice(CONFERENCES),
            "y": rng.randint(2014, 2025),
        }
        question = "**" + rng.choice(QUESTIONS).format(**fill) + "**"
        paragraph = " ".join(rng.choice(STORY_SENTENCES).format(**fill) for _ in range(rng.randint(3, 6)))
        lines += [question, "", paragraph, ""]
        count += len(question.split()) + len(paragraph.split())
    return "\n".join(lines)


def write_corpus(directory: Path, posts: int, *, words_per_post: int = 2500, seed: int = 7) -> list[Path]:
    """Write `posts` synthetic posts to `directory`; the same seed writes the same files."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for index in range(posts):
        path = directory / f"post-{index:05d}.md"
        path.write_text(synthetic_post(rng, index, words_per_post), encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------- graphs


@dataclass(frozen=True)
class GraphShape:
    """Sizes of a synthetic graph: entity pools shared by all documents, and per-document counts."""

    documents: int
    facts_per_document: int = 40
    entities_per_document: int = 30
    people: int = 20_000
    projects: int = 2_000
    organizations: int = 1_000
    conferences: int = 60
    technologies: int = 200


def _pool(rng: random.Random, kind: EntityType, size: int) -> list[Entity]:
    make = {
        EntityType.PERSON: person_name,
        EntityType.PROJECT: project_name,
        EntityType.ORGANIZATION: organization_name,
        EntityType.CONFERENCE: lambda r: f"{_name(r, 2)}Con {r.randint(2015, 2025)}",
        EntityType.TECHNOLOGY: lambda r: _name(r, 2) + "Lang",
    }[kind]
    names: dict[str, Entity] = {}
    while len(names) < size:
        name = make(rng)
        key = entity_key(kind, name)
        if key not in names:
            handles = (name.split()[0].lower(),) if kind is EntityType.PERSON and rng.random() < 0.3 else ()
            names[key] = Entity(key=key, name=name, type=kind, handles=handles)
    return list(names.values())


def synthetic_extractions(shape: GraphShape, *, seed: int = 11) -> Iterator[Extraction]:
    """Extraction records of `shape.documents` documents over shared entity pools.

    Facts fit the ontology's signatures; each has a sentence of its document as evidence with true
    offsets, so the graph has the real shape (direct triples plus evidence nodes, one graph per document).
    """
    rng = random.Random(seed)
    sizes = {
        EntityType.PERSON: shape.people,
        EntityType.PROJECT: shape.projects,
        EntityType.ORGANIZATION: shape.organizations,
        EntityType.CONFERENCE: shape.conferences,
        EntityType.TECHNOLOGY: shape.technologies,
    }
    pools = {kind: _pool(rng, kind, size) for kind, size in sizes.items()}
    # A few people and projects appear in many documents, as in real writing (a skewed popularity).
    cumulative = {
        kind: list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(pool))))
        for kind, pool in pools.items()
    }
    predicates = list(Predicate)
    for index in range(shape.documents):
        document_id = f"synthetic/post-{index:06d}"
        chosen: dict[str, Entity] = {}
        facts_text: list[tuple[Entity, Predicate, Entity]] = []
        while len(facts_text) < shape.facts_per_document:
            predicate = rng.choice(predicates)
            subjects, objects = SIGNATURES[predicate]
            subject_kind = rng.choice(sorted(subjects))
            object_kind = rng.choice(sorted(objects))
            subject = rng.choices(pools[subject_kind], cum_weights=cumulative[subject_kind])[0]
            obj = rng.choices(pools[object_kind], cum_weights=cumulative[object_kind])[0]
            if subject.key == obj.key:
                continue
            if len(chosen) >= shape.entities_per_document and not (
                subject.key in chosen and obj.key in chosen
            ):
                subject, obj = rng.sample(sorted(chosen.values(), key=lambda e: e.key), 2)
                if not _fits(predicate, subject, obj):
                    continue
            chosen[subject.key] = subject
            chosen[obj.key] = obj
            facts_text.append((subject, predicate, obj))
        sentences = [f"{s.name} {p.value} {o.name}, as the post explains." for s, p, o in facts_text]
        text = "\n\n".join(sentences)
        date = f"{2016 + index % 9}-{1 + index % 12:02d}-{1 + index % 28:02d}"
        document = Document(
            id=document_id,
            source=f"{document_id}.md",
            raw=text,
            text=text,
            offsets=tuple(range(len(text) + 1)),
            metadata=DocumentMetadata(title=f"Synthetic post {index}", date=date, authors=("Bench Author",)),
        )
        facts = []
        position = 0
        for (subject, predicate, obj), sentence in zip(facts_text, sentences, strict=True):
            evidence = Evidence(document_id, sentence, position, position + len(sentence), date)
            position += len(sentence) + 2
            confidence = round(rng.uniform(0.5, 0.99), 2)
            facts.append(Fact(subject.key, predicate, obj.key, evidence, confidence, "synthetic"))
        yield Extraction(
            document=document,
            mentions=(),
            entities=tuple(sorted(chosen.values(), key=lambda e: e.key)),
            facts=tuple(facts),
            extractor_version="synthetic/1",
        )


def _fits(predicate: Predicate, subject: Entity, obj: Entity) -> bool:
    subjects, objects = SIGNATURES[predicate]
    return subject.type in subjects and obj.type in objects


def synthetic_ntriples(shape: GraphShape, *, seed: int = 11) -> Iterator[tuple[str, str]]:
    """(document graph IRI, N-Triples) of each synthetic document, through the product's RDF mapping."""
    from graph.rdf import extraction_to_graph, to_ntriples
    from graph.vocab import document_iri

    for extraction in synthetic_extractions(shape, seed=seed):
        yield str(document_iri(extraction.document.id)), to_ntriples(extraction_to_graph(extraction))
