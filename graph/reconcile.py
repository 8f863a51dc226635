"""Entities across documents and sources: find keys that name one entity, merge them, undo a merge, and
keep apart same-name people the evidence says are different.

Merges canonicalise at write time: every document graph names a merged entity by the kept IRI, so a
plain SPARQL query sees one node and needs no owl:sameAs reasoning. Each re-keyed entity keeps a
`mkg:extractedAs` triple in its document graph naming the IRI the document itself gave it; that is
what makes a merge undoable. Merge and separation records live in their own named graph
(`graph.vocab.reconciliation_graph_iri()`), with their features, score and time.

The scoring and the rewriting of one document's graph are pure functions over plain records; only
`reconcile`, `split` and the `load_*` functions talk to the store.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, URIRef

from graph.errors import NotFound
from graph.queries import PREFIXES, sparql_iri
from graph.records import EntityType
from graph.store.base import Store, Term
from graph.vocab import (
    CLASS_OF,
    MKG,
    PROV,
    document_id_of_iri,
    document_iri,
    entity_iri,
    key_of_entity_iri,
    merge_iri,
    reconciliation_graph_iri,
    separation_iri,
    slugify,
)

# A merge needs at least this score (features add up; see FEATURE_WEIGHTS).
MERGE_THRESHOLD = 0.7

# What each feature adds to the score of a candidate pair.
FEATURE_WEIGHTS: dict[str, float] = {
    "same_name": 0.8,  # equal once case, accents, punctuation, suffixes and legal forms are folded
    "name_variant": 0.7,  # same first and last name, one has extra (middle) names
    "abbreviation": 0.8,  # projects and organizations: "AWS" and "Amazon Web Services"
    "shared_handle": 0.9,
    "first_name": 0.45,  # one side is known by its first name only: needs a shared project or employer
    "shared_project": 0.25,
    "shared_employer": 0.25,
    "different_employer": -0.6,  # different employers in the same period, nothing else shared
}

# Two employment observations this close (in days) describe the same period.
SAME_PERIOD_DAYS = 366

# Separator of a disambiguated key: `person/john-smith--acme`. slugify never makes "--".
DISAMBIGUATOR = "--"

_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd"})
_LEGAL_FORMS = frozenset(
    {"inc", "incorporated", "llc", "ltd", "limited", "gmbh", "corp", "corporation", "co", "ag", "sa", "bv"}
)
_PARENTHESIS = re.compile(r"\(([^()]*)\)")


# ---------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Employment:
    """A source saying a person works at an organization, and when (the source's date)."""

    organization: str  # Entity.key
    document_id: str
    date: str | None = None


@dataclass(frozen=True)
class KnownEntity:
    """What the documents say about one entity key, as reconciliation compares it."""

    key: str
    type: EntityType
    names: tuple[str, ...]
    handles: frozenset[str] = frozenset()
    documents: frozenset[str] = frozenset()
    projects: frozenset[str] = frozenset()
    employments: tuple[Employment, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """Two keys that may name one entity: `merged` would be folded into `into`."""

    merged: str
    into: str
    features: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class Merge:
    """A recorded decision: every document now names `merged` by `into`."""

    merged: str
    into: str
    features: tuple[str, ...]
    score: float
    at: str  # ISO 8601 timestamp (UTC)


@dataclass(frozen=True)
class Separation:
    """A recorded decision that two keys name different entities (never merged again)."""

    keys: tuple[str, str]
    features: tuple[str, ...]
    at: str


@dataclass(frozen=True)
class ReconcileReport:
    """What one reconciliation pass changed."""

    merges: tuple[Merge, ...] = ()
    separations: tuple[Separation, ...] = ()
    rekeyed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # new key -> document ids


# ---------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_tokens(name: str, kind: EntityType = EntityType.PERSON) -> tuple[str, ...]:
    """The words of a name as matching compares them.

    Accents, case and punctuation are folded and parenthesised parts dropped; for people, suffixes such
    as Jr. and PhD are dropped, for organizations legal forms such as Inc. and GmbH.
    """
    bare = _PARENTHESIS.sub(" ", _fold(name))
    words = [w for w in re.split(r"[^\w]+|_", bare) if w]
    dropped = _NAME_SUFFIXES if kind is EntityType.PERSON else _LEGAL_FORMS
    while len(words) > 1 and words[-1] in dropped:
        words.pop()
    return tuple(words)


def name_variants(name: str, kind: EntityType = EntityType.PERSON) -> frozenset[tuple[str, ...]]:
    """Token forms of a name: as written, and for 'David (Mengqi) Yu' also 'Mengqi Yu'."""
    variants = {name_tokens(name, kind)}
    if kind is EntityType.PERSON:
        for inner in _PARENTHESIS.findall(name):
            base = name_tokens(name, kind)
            nickname = name_tokens(inner, kind)
            if base and len(nickname) == 1:
                variants.add((*nickname, *base[1:]))
    return frozenset(v for v in variants if v)


@functools.cache
def _abbreviation_table() -> tuple[tuple[str, str], ...]:
    """(short, long) pairs of the abbreviation gazetteer ('AWS', 'Amazon Web Services')."""
    path = Path(__file__).parent / "extraction" / "gazetteers" / "abbreviations.tsv"
    if not path.is_file():
        return ()
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            short, long = line.split("\t")[:2]
            pairs.append((short.strip(), long.strip()))
    return tuple(pairs)


@functools.cache
def _known_abbreviations() -> frozenset[tuple[tuple[str, ...], tuple[str, ...]]]:
    kind = EntityType.ORGANIZATION
    return frozenset(
        (name_tokens(short, kind), name_tokens(long, kind)) for short, long in _abbreviation_table()
    )


def long_form(name: str) -> str | None:
    """The long form of a known abbreviation ('AWS' -> 'Amazon Web Services'); None for other names."""
    folded = name_tokens(name, EntityType.ORGANIZATION)
    for short, long in _abbreviation_table():
        if name_tokens(short, EntityType.ORGANIZATION) == folded:
            return long
    return None


def _initials(form: tuple[str, ...]) -> str:
    return "".join(word[0] for word in form)


def _abbreviates(shorts: Iterable[tuple[str, ...]], longs: Iterable[tuple[str, ...]]) -> bool:
    """True when a one-word form is a known abbreviation, or the initials (3 letters or more), of a
    form of three words or more."""
    known = _known_abbreviations()
    long_forms = [f for f in longs if len(f) >= 2]
    for short in shorts:
        if len(short) != 1:
            continue
        for long in long_forms:
            if (short, long) in known or (len(long) >= 3 and short[0] == _initials(long)):
                return True
    return False


def _is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    remaining = iter(long)
    return all(word in remaining for word in short)


def _name_features(a: KnownEntity, b: KnownEntity) -> tuple[str, ...]:
    """The name feature two entities share, strongest first.

    For people a single word ('Laurent', an alias 'Thomas') is never a same-name match: it only counts as
    `first_name`, and only when one side is known by nothing more than that word.
    """
    forms_a = {v for n in a.names for v in name_variants(n, a.type)}
    forms_b = {v for n in b.names for v in name_variants(n, b.type)}
    if a.type is not EntityType.PERSON:
        if forms_a & forms_b:
            return ("same_name",)
        if _abbreviates(forms_a, forms_b) or _abbreviates(forms_b, forms_a):
            return ("abbreviation",)
        return ()
    full_a = {f for f in forms_a if len(f) >= 2}
    full_b = {f for f in forms_b if len(f) >= 2}
    if full_a & full_b:
        return ("same_name",)
    for x in full_a:
        for y in full_b:
            short, long = (x, y) if len(x) <= len(y) else (y, x)
            if short[0] == long[0] and short[-1] == long[-1] and _is_subsequence(short, long):
                return ("name_variant",)
    for only_first, full in ((forms_a, full_b), (forms_b, full_a)):
        known_by_one_word = bool(only_first) and all(len(f) == 1 for f in only_first)
        if known_by_one_word and any(f[0] == form[0] for f in full for form in only_first):
            return ("first_name",)
    return ()


# ---------------------------------------------------------------------------------------------------
# Scoring (pure)
# ---------------------------------------------------------------------------------------------------


def _days_apart(first: str | None, second: str | None) -> int | None:
    try:
        a = dt.date.fromisoformat((first or "")[:10])
        b = dt.date.fromisoformat((second or "")[:10])
    except ValueError:
        return None
    return abs((a - b).days)


def different_employers_same_period(a: Sequence[Employment], b: Sequence[Employment]) -> bool:
    """True when the two sides name only different employers, some pair of them in the same period."""
    orgs_a = {e.organization for e in a}
    orgs_b = {e.organization for e in b}
    if not orgs_a or not orgs_b or orgs_a & orgs_b:
        return False
    for x in a:
        for y in b:
            days = _days_apart(x.date, y.date)
            if days is not None and days <= SAME_PERIOD_DAYS:
                return True
    return False


def _fold_handle(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


def score_pair(a: KnownEntity, b: KnownEntity) -> Candidate | None:
    """The features two entities share and their score, `merged` pointing at the one to fold away.

    None when they are of different types, appear together in one document (that document tells them
    apart), or share nothing that suggests they are one.
    """
    if a.type is not b.type or a.key == b.key or a.documents & b.documents:
        return None
    features = list(_name_features(a, b))
    handles_a = {_fold_handle(h) for h in a.handles if h.strip()}
    handles_b = {_fold_handle(h) for h in b.handles if h.strip()}
    # Different handles say nothing: texts give handles of several sites (GitHub, X, Slack).
    if handles_a & handles_b:
        features.append("shared_handle")
    if not features:
        return None
    if a.projects & b.projects:
        features.append("shared_project")
    if {e.organization for e in a.employments} & {e.organization for e in b.employments}:
        features.append("shared_employer")
    shared_context = {"shared_handle", "shared_project"} & set(features)
    if not shared_context and different_employers_same_period(a.employments, b.employments):
        features.append("different_employer")
    score = max(0.0, min(1.0, sum(FEATURE_WEIGHTS[f] for f in features)))
    keep, fold = _choose_kept(a, b)
    return Candidate(merged=fold.key, into=keep.key, features=tuple(features), score=round(score, 4))


def _choose_kept(a: KnownEntity, b: KnownEntity) -> tuple[KnownEntity, KnownEntity]:
    """(kept, folded): the fuller name wins, then the one with a handle, more documents, then the key."""

    def rank(e: KnownEntity) -> tuple[int, int, int, str]:
        longest = max((len(name_tokens(n, e.type)) for n in e.names), default=0)
        return (-longest, -len(e.handles), -len(e.documents), e.key)

    first, second = sorted((a, b), key=rank)
    return first, second


def find_candidates(
    entities: Sequence[KnownEntity], *, focus: Iterable[str] | None = None
) -> list[Candidate]:
    """Candidate pairs among `entities`, compared only when they share a first word or a handle.

    With `focus` (document ids), only pairs where one side appears in one of those documents.
    """
    focused = frozenset(focus) if focus is not None else None
    buckets: dict[tuple[str, str], list[KnownEntity]] = defaultdict(list)
    for entity in entities:
        for name in entity.names:
            for variant in name_variants(name, entity.type):
                buckets[(entity.type.value, "w:" + variant[0])].append(entity)
                if entity.type is not EntityType.PERSON:
                    # An abbreviation meets its long form under the initials.
                    initials = variant[0] if len(variant) == 1 else _initials(variant)
                    buckets[(entity.type.value, "a:" + initials)].append(entity)
        for handle in entity.handles:
            if handle.strip():
                buckets[(entity.type.value, "h:" + _fold_handle(handle))].append(entity)
    seen: set[tuple[str, str]] = set()
    found: list[Candidate] = []
    for bucket in buckets.values():
        unique = list({e.key: e for e in bucket}.values())
        for i, a in enumerate(unique):
            for b in unique[i + 1 :]:
                pair = (min(a.key, b.key), max(a.key, b.key))
                if pair in seen:
                    continue
                seen.add(pair)
                if focused is not None and not ((a.documents | b.documents) & focused):
                    continue
                candidate = score_pair(a, b)
                if candidate is not None:
                    found.append(candidate)
    return sorted(found, key=lambda c: (-c.score, c.merged, c.into))


def choose_merges(
    candidates: Sequence[Candidate],
    *,
    separations: Iterable[Separation] = (),
    merged: Mapping[str, str] | None = None,
    threshold: float = MERGE_THRESHOLD,
) -> list[Candidate]:
    """The candidates to merge: above `threshold`, not kept apart, and unambiguous.

    A key folds into at most one other; when it could fold into several equally well-supported keys
    it is left alone. Chains are avoided: a key that is being folded is never kept by another merge.
    """
    apart = {frozenset(s.keys) for s in separations}
    already = dict(merged or {})
    passing = [c for c in candidates if c.score >= threshold and frozenset((c.merged, c.into)) not in apart]
    by_merged: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in passing:
        by_merged[candidate.merged].append(candidate)
    chosen: list[Candidate] = []
    folded: set[str] = set(already)
    kept: set[str] = set()
    for key in sorted(by_merged, key=lambda k: (-max(c.score for c in by_merged[k]), k)):
        options = sorted(by_merged[key], key=lambda c: (-c.score, c.into))
        best = options[0]
        if len(options) > 1 and options[1].score >= best.score - 0.1 and options[1].into != best.into:
            continue  # ambiguous: two people fit as well
        if key in folded or key in kept or best.into in folded:
            continue
        chosen.append(best)
        folded.add(key)
        kept.add(best.into)
    return chosen


def canonical_keys(merges: Iterable[Merge]) -> dict[str, str]:
    """Each folded key mapped to the key it ends up as (following chains of merges)."""
    direct = {m.merged: m.into for m in merges}
    resolved: dict[str, str] = {}
    for key in direct:
        target, hops = direct[key], 0
        while target in direct and hops < len(direct):
            target, hops = direct[target], hops + 1
        resolved[key] = target
    return resolved


# ---------------------------------------------------------------------------------------------------
# The merges in force
# ---------------------------------------------------------------------------------------------------


def load_canonical_keys(store: Store) -> dict[str, str]:
    """The merged-key map currently recorded in the store (empty when nothing was merged)."""
    return canonical_keys(load_merges(store))


# ---------------------------------------------------------------------------------------------------
# Reading the store
# ---------------------------------------------------------------------------------------------------

_PREFIXES = PREFIXES


def _v(row: dict[str, Term], name: str) -> str | None:
    term = row.get(name)
    return term["value"] if term is not None else None


def _iri(iri: URIRef | str) -> str:
    return sparql_iri(iri)


def _reconciliation_graph() -> str:
    return _iri(reconciliation_graph_iri())


def known_entities(
    store: Store,
    kind: EntityType = EntityType.PERSON,
    signals_by_document: Mapping[tuple[str, str], DocumentSignals] | None = None,
) -> list[KnownEntity]:
    """Every entity of `kind` with its names, handles, documents, projects and employments.

    `signals_by_document` is `entity_signals(store, kind)` when the caller has it already.
    """
    if signals_by_document is None:
        signals_by_document = entity_signals(store, kind)
    readings: dict[str, dict[str, DocumentSignals]] = defaultdict(dict)
    for (key, document_id), signals in signals_by_document.items():
        readings[key][document_id] = signals
    entities = []
    for key, by_document in sorted(readings.items()):
        total = _merged_signals(list(by_document.values()))
        entities.append(
            KnownEntity(
                key=key,
                type=kind,
                names=tuple(sorted(total.names)),
                handles=frozenset(total.handles),
                documents=frozenset(by_document),
                projects=frozenset(total.projects),
                employments=tuple(total.employments),
            )
        )
    return entities


@dataclass
class DocumentSignals:
    """What one document says about one entity."""

    names: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)
    employments: list[Employment] = field(default_factory=list)


def entity_signals(store: Store, kind: EntityType) -> dict[tuple[str, str], DocumentSignals]:
    """Per (entity key, document id): names and handles; for people also projects and dated employments."""
    found: dict[tuple[str, str], DocumentSignals] = {}

    def rows(body: str) -> Iterable[tuple[str, str, dict[str, Term]]]:
        # Several small queries: one UNION of them all is much slower in the embedded store.
        for row in store.select(_PREFIXES + body).rows:
            document_id = document_id_of_iri(_v(row, "g") or "")
            key = key_of_entity_iri(_v(row, "e") or "")
            if document_id is not None and key is not None:
                yield key, document_id, row

    def signals(key: str, document_id: str) -> DocumentSignals:
        return found.setdefault((key, document_id), DocumentSignals())

    for key, document_id, row in rows(
        f"""SELECT ?g ?e ?p ?v WHERE {{
  GRAPH ?g {{ ?e a {_iri(CLASS_OF[kind])} ; ?p ?v . VALUES ?p {{ rdfs:label mkg:alias mkg:handle }} }}
}}"""
    ):
        value = _v(row, "v") or ""
        if _v(row, "p") == str(MKG.handle):
            signals(key, document_id).handles.add(value)
        else:
            signals(key, document_id).names.add(value)
    if kind is not EntityType.PERSON:
        return found
    for key, document_id, row in rows(
        """SELECT ?g ?e ?v WHERE {
  GRAPH ?g { { ?e mkg:maintainerOf|mkg:contributedTo ?v } UNION { ?v mkg:createdBy ?e } }
}"""
    ):
        project = key_of_entity_iri(_v(row, "v") or "")
        if project is not None and (key, document_id) in found:
            signals(key, document_id).projects.add(project)
    for key, document_id, row in rows(
        """SELECT ?g ?e ?v ?date WHERE {
  GRAPH ?g {
    ?ev rdf:predicate mkg:worksAt ; rdf:subject ?e ; rdf:object ?v .
    OPTIONAL { ?ev dcterms:date ?date }
  }
}"""
    ):
        organization = key_of_entity_iri(_v(row, "v") or "")
        if organization is None or (key, document_id) not in found:
            continue
        job = Employment(organization, document_id, _v(row, "date"))
        jobs = signals(key, document_id).employments
        if job not in jobs:
            jobs.append(job)
    return found


def load_merges(store: Store) -> list[Merge]:
    """Every merge recorded in the store, sorted by folded key."""
    if not store.has_document(str(reconciliation_graph_iri())):
        return []
    result = store.select(
        _PREFIXES
        + f"""SELECT ?m ?merged ?into ?score ?at ?feature WHERE {{
  GRAPH {_reconciliation_graph()} {{
    ?m a mkg:Merge ; mkg:mergedEntity ?merged ; mkg:mergedInto ?into .
    OPTIONAL {{ ?m mkg:mergeScore ?score }}
    OPTIONAL {{ ?m prov:generatedAtTime ?at }}
    OPTIONAL {{ ?m mkg:mergeFeature ?feature }}
  }}
}}"""
    )
    records: dict[str, dict[str, object]] = {}
    for row in result.rows:
        merged = key_of_entity_iri(_v(row, "merged") or "")
        into = key_of_entity_iri(_v(row, "into") or "")
        if merged is None or into is None:
            continue
        entry = records.setdefault(
            merged, {"into": into, "score": _v(row, "score"), "at": _v(row, "at"), "features": set()}
        )
        if (feature := _v(row, "feature")) is not None:
            entry["features"].add(feature)  # type: ignore[attr-defined]
    return [
        Merge(
            merged=merged,
            into=str(entry["into"]),
            features=tuple(sorted(entry["features"])),  # type: ignore[call-overload]
            score=float(entry["score"] or 0.0),  # type: ignore[arg-type]
            at=str(entry["at"] or ""),
        )
        for merged, entry in sorted(records.items())
    ]


def load_separations(store: Store) -> list[Separation]:
    """Every separation recorded in the store."""
    if not store.has_document(str(reconciliation_graph_iri())):
        return []
    result = store.select(
        _PREFIXES
        + f"""SELECT ?s ?entity ?at ?feature WHERE {{
  GRAPH {_reconciliation_graph()} {{
    ?s a mkg:Separation ; mkg:separatedEntity ?entity .
    OPTIONAL {{ ?s prov:generatedAtTime ?at }}
    OPTIONAL {{ ?s mkg:mergeFeature ?feature }}
  }}
}}"""
    )
    records: dict[str, dict[str, set[str] | str | None]] = {}
    for row in result.rows:
        node = _v(row, "s") or ""
        entry = records.setdefault(node, {"keys": set(), "features": set(), "at": _v(row, "at")})
        if (key := key_of_entity_iri(_v(row, "entity") or "")) is not None:
            entry["keys"].add(key)  # type: ignore[union-attr]
        if (feature := _v(row, "feature")) is not None:
            entry["features"].add(feature)  # type: ignore[union-attr]
    separations = []
    for entry in records.values():
        keys = sorted(entry["keys"])  # type: ignore[arg-type]
        if len(keys) == 2:
            separations.append(
                Separation((keys[0], keys[1]), tuple(sorted(entry["features"])), str(entry["at"] or ""))  # type: ignore[arg-type]
            )
    return sorted(separations, key=lambda s: s.keys)


# ---------------------------------------------------------------------------------------------------
# Writing the store
# ---------------------------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _records_ntriples(merges: Sequence[Merge], separations: Sequence[Separation]) -> str:
    from graph.rdf import to_ntriples

    graph = Graph()
    for merge in merges:
        node = merge_iri(merge.merged)
        graph.add((node, RDF.type, MKG.Merge))
        graph.add((node, MKG.mergedEntity, entity_iri(merge.merged)))
        graph.add((node, MKG.mergedInto, entity_iri(merge.into)))
        score = Decimal(f"{merge.score:.4f}").normalize()
        graph.add((node, MKG.mergeScore, Literal(score, datatype=XSD.decimal)))
        for feature in merge.features:
            graph.add((node, MKG.mergeFeature, Literal(feature)))
        if merge.at:
            graph.add((node, PROV.generatedAtTime, Literal(merge.at, datatype=XSD.dateTime)))
    for separation in separations:
        node = separation_iri(*separation.keys)
        graph.add((node, RDF.type, MKG.Separation))
        for key in separation.keys:
            graph.add((node, MKG.separatedEntity, entity_iri(key)))
        for feature in separation.features:
            graph.add((node, MKG.mergeFeature, Literal(feature)))
        if separation.at:
            graph.add((node, PROV.generatedAtTime, Literal(separation.at, datatype=XSD.dateTime)))
    return to_ntriples(graph)


def _write_records(store: Store, merges: Sequence[Merge], separations: Sequence[Separation]) -> None:
    store.add_document(str(reconciliation_graph_iri()), _records_ntriples(merges, separations))


_EXTRACTED_AS = f"<{MKG.extractedAs}>"
_RDF_TYPE = f"<{RDF.type}>"


def rekey_ntriples(ntriples: str, renames: Mapping[str, str]) -> str:
    """A document graph (N-Triples) with entities re-keyed: `renames` maps current keys to new ones.

    Each re-keyed entity carries `mkg:extractedAs` the IRI the document itself gave it (kept through
    later re-keyings, dropped when the entity gets that IRI back). An entity is left as it is when the
    graph already names its new key: the document tells the two apart.
    """
    lines = [line for line in ntriples.splitlines() if line.strip()]
    parts = [_split_triple(line) for line in lines]
    typed = {s for s, p, _ in parts if p == _RDF_TYPE}
    original = {s: o for s, p, o in parts if p == _EXTRACTED_AS}
    moves: dict[str, str] = {}
    for old, new in renames.items():
        old_iri, new_iri = f"<{entity_iri(old)}>", f"<{entity_iri(new)}>"
        if old_iri in typed and new_iri not in typed and old_iri != new_iri:
            moves[old_iri] = new_iri
    if not moves:
        return ntriples
    out: set[str] = set()
    for s, p, o in parts:
        if p == _EXTRACTED_AS and s in moves:
            continue  # rewritten below
        new_s = moves.get(s, s)
        new_o = o if p == _EXTRACTED_AS else moves.get(o, o)
        out.add(f"{new_s} {p} {new_o} .\n")
    for old_iri, new_iri in moves.items():
        first = original.get(old_iri, old_iri)
        if first != new_iri:
            out.add(f"{new_iri} {_EXTRACTED_AS} {first} .\n")
    return "".join(sorted(out))


def _split_triple(line: str) -> tuple[str, str, str]:
    # Subjects and predicates are IRIs (no blank nodes are minted), so neither holds a space.
    subject, predicate, rest = line.split(" ", 2)
    return subject, predicate, rest.rstrip().removesuffix(".").rstrip()


def _rekey_documents(store: Store, renames_by_graph: Mapping[str, Mapping[str, str]]) -> None:
    """Re-key entities in each of these document graphs, one graph (one transaction) at a time."""
    records = str(reconciliation_graph_iri())
    for graph, renames in sorted(renames_by_graph.items()):
        if graph == records or not renames or not store.has_document(graph):
            continue
        before = store.get_graph(graph, "application/n-triples").decode("utf-8")
        after = rekey_ntriples(before, renames)
        if after != before:
            store.add_document(graph, after)


def _graphs_naming(store: Store, keys: Iterable[str]) -> dict[str, set[str]]:
    """Key -> the document graphs in which an entity has that key."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    result = store.select(
        _PREFIXES
        + f"""SELECT DISTINCT ?e ?g WHERE {{
  VALUES ?e {{ {" ".join(_iri(entity_iri(k)) for k in wanted)} }}
  GRAPH ?g {{ ?e a ?class }}
}}"""
    )
    found: dict[str, set[str]] = defaultdict(set)
    for row in result.rows:
        key, graph = key_of_entity_iri(_v(row, "e") or ""), _v(row, "g")
        if key is not None and graph is not None:
            found[key].add(graph)
    return found


def _graphs_marking(store: Store, originals: Iterable[str]) -> list[tuple[str, str, str]]:
    """(graph, current key, original key) for every entity re-keyed from one of `originals`."""
    wanted = sorted(set(originals))
    if not wanted:
        return []
    result = store.select(
        _PREFIXES
        + f"""SELECT ?g ?e ?x WHERE {{
  VALUES ?x {{ {" ".join(_iri(entity_iri(k)) for k in wanted)} }}
  GRAPH ?g {{ ?e mkg:extractedAs ?x }}
}}"""
    )
    found = []
    for row in result.rows:
        graph = _v(row, "g")
        current = key_of_entity_iri(_v(row, "e") or "")
        first = key_of_entity_iri(_v(row, "x") or "")
        if graph is not None and current is not None and first is not None:
            found.append((graph, current, first))
    return sorted(found)


def record_merges(store: Store, chosen: Sequence[Candidate], *, at: str | None = None) -> list[Merge]:
    """Re-key every document graph naming a folded key, then record the merges."""
    existing = load_merges(store)
    when = at or _now()
    new = [Merge(c.merged, c.into, c.features, c.score, when) for c in chosen]
    renames: dict[str, dict[str, str]] = defaultdict(dict)
    for key, graphs in _graphs_naming(store, (m.merged for m in new)).items():
        target = next(m.into for m in new if m.merged == key)
        for graph in graphs:
            renames[graph][key] = target
    _rekey_documents(store, renames)
    _write_records(store, [*existing, *new], load_separations(store))
    return new


def split(store: Store, merged_key: str, *, at: str | None = None) -> Merge:
    """Undo the merge that folded `merged_key`, and record that the two keys must stay apart.

    The documents that named `merged_key` name it again; keys folded into it follow it back.
    """
    merges = load_merges(store)
    undone = next((m for m in merges if m.merged == merged_key), None)
    if undone is None:
        raise NotFound(f"No merge folded {merged_key!r}; `mkg merges` lists merges by the key they folded.")
    before = canonical_keys(merges)
    remaining = [m for m in merges if m is not undone]
    after = canonical_keys(remaining)
    changed = {first for first in before if after.get(first, first) != before[first]}
    renames: dict[str, dict[str, str]] = defaultdict(dict)
    for graph, current, first in _graphs_marking(store, changed):
        renames[graph][current] = after.get(first, first)
    _rekey_documents(store, renames)
    when = at or _now()
    separations = load_separations(store)
    kept_apart = {frozenset(s.keys) for s in separations}
    for other in {undone.into, before[merged_key]}:
        if frozenset((merged_key, other)) not in kept_apart:
            separations.append(Separation((min(merged_key, other), max(merged_key, other)), ("split",), when))
            kept_apart.add(frozenset((merged_key, other)))
    _write_records(store, remaining, separations)
    return undone


# ---------------------------------------------------------------------------------------------------
# Same name, different people
# ---------------------------------------------------------------------------------------------------


def _compatible(a: DocumentSignals, b: DocumentSignals) -> bool:
    """False when two readings of one name look like two people (employers clash, nothing shared)."""
    if {_fold_handle(h) for h in a.handles} & {_fold_handle(h) for h in b.handles}:
        return True
    if a.projects & b.projects:
        return True
    return not different_employers_same_period(a.employments, b.employments)


def _affinity(reading: DocumentSignals, group: Sequence[DocumentSignals]) -> int:
    """How much a reading shares with a group: handles, projects and employers in common."""
    total = _merged_signals(group)
    handles = {_fold_handle(h) for h in reading.handles} & {_fold_handle(h) for h in total.handles}
    employers = {e.organization for e in reading.employments} & {e.organization for e in total.employments}
    return len(handles) * 3 + len(reading.projects & total.projects) + len(employers)


def _merged_signals(group: Sequence[DocumentSignals]) -> DocumentSignals:
    total = DocumentSignals()
    for signals in group:
        total.names |= signals.names
        total.handles |= signals.handles
        total.projects |= signals.projects
        total.employments.extend(signals.employments)
    return total


def plan_disambiguation(
    key: str,
    readings: Mapping[str, DocumentSignals],
    *,
    existing: Mapping[str, Sequence[DocumentSignals]] | None = None,
    first: Iterable[str] = (),
    taken: Iterable[str] = (),
) -> dict[str, str]:
    """Document id -> new key, for the documents whose reading of `key` is another person.

    Each document joins the compatible group it shares most with (at a tie the first: `key` itself,
    then the keys already disambiguated from it, `existing`, with their readings); a document no group
    fits starts a new group, whose key gets a
    disambiguator from the employer (`person/john-smith--acme`). Documents in `first` (those stored
    earlier) are placed first, so that a new document does not push an old one off its key.
    """
    used = {key, *taken, *(existing or {})}
    groups: list[tuple[str | None, list[DocumentSignals], list[str]]] = [(key, [], [])]
    for other, other_readings in sorted((existing or {}).items()):
        groups.append((other, list(other_readings), []))
    earlier = set(first)
    order = sorted(readings, key=lambda d: (d not in earlier, d))
    for document_id in order:
        signals = readings[document_id]
        fitting = [g for g in groups if all(_compatible(signals, other) for other in g[1])]
        if fitting:
            # The group sharing most with this reading wins; at a tie, the earliest.
            _, members, documents = max(fitting, key=lambda g: _affinity(signals, g[1]))
            members.append(signals)
            documents.append(document_id)
        else:
            groups.append((None, [signals], [document_id]))
    plan: dict[str, str] = {}
    for group_key, members, documents in groups[1:]:
        new = group_key
        if new is None:
            jobs = sorted({e.organization.split("/", 1)[-1] for e in _merged_signals(members).employments})
            base = f"{key}{DISAMBIGUATOR}{jobs[0] if jobs else slugify(documents[0])}"
            new, n = base, 2
            while new in used:
                new, n = f"{base}-{n}", n + 1
            used.add(new)
        for document_id in documents:
            plan[document_id] = new
    return plan


def disambiguate(
    store: Store,
    *,
    focus: Iterable[str] | None = None,
    at: str | None = None,
    signals_by_document: Mapping[tuple[str, str], DocumentSignals] | None = None,
) -> ReconcileReport:
    """Re-key, in the documents where it names another person, a person key the documents disagree on.

    With `focus` (the document ids just stored), only keys those documents use are looked at.
    """
    focused = frozenset(focus) if focus is not None else None
    by_key: dict[str, dict[str, DocumentSignals]] = defaultdict(dict)
    if signals_by_document is None:
        signals_by_document = entity_signals(store, EntityType.PERSON)
    for (key, document_id), reading in signals_by_document.items():
        by_key[key][document_id] = reading
    told_apart: dict[str, dict[str, list[DocumentSignals]]] = defaultdict(dict)
    for key, readings in by_key.items():
        if DISAMBIGUATOR in key:
            base = key.split(DISAMBIGUATOR, 1)[0]
            told_apart[base][key] = list(readings.values())
    when = at or _now()
    separations = load_separations(store)
    known = {frozenset(s.keys) for s in separations}
    additions: list[Separation] = []
    rekeyed: dict[str, tuple[str, ...]] = {}
    renames: dict[str, dict[str, str]] = defaultdict(dict)
    for key, readings in sorted(by_key.items()):
        if DISAMBIGUATOR in key or (len(readings) < 2 and key not in told_apart):
            continue
        if focused is not None and not (set(readings) & focused):
            continue
        earlier = set(readings) - focused if focused is not None else set(readings)
        plan = plan_disambiguation(key, readings, existing=told_apart.get(key), first=earlier, taken=by_key)
        for document_id, new in plan.items():
            renames[str(document_iri(document_id))][key] = new
        for new in sorted(set(plan.values())):
            rekeyed[new] = tuple(sorted(d for d, k in plan.items() if k == new))
            if frozenset((key, new)) not in known:
                known.add(frozenset((key, new)))
                additions.append(Separation((min(key, new), max(key, new)), ("different_employer",), when))
    if not renames:
        return ReconcileReport()
    _rekey_documents(store, renames)
    _write_records(store, load_merges(store), [*separations, *additions])
    return ReconcileReport(separations=tuple(additions), rekeyed=rekeyed)


# ---------------------------------------------------------------------------------------------------
# The whole pass
# ---------------------------------------------------------------------------------------------------

RECONCILED_TYPES = (EntityType.PERSON, EntityType.ORGANIZATION, EntityType.PROJECT)


def reconcile(
    store: Store,
    *,
    document_ids: Iterable[str] | None = None,
    threshold: float = MERGE_THRESHOLD,
    at: str | None = None,
) -> ReconcileReport:
    """Tell apart same-name people, then merge keys that name one entity across documents.

    With `document_ids`, only entities of those documents are compared with the rest (after an ingest).
    """
    focus = list(document_ids) if document_ids is not None else None
    people = entity_signals(store, EntityType.PERSON)
    told_apart = disambiguate(store, focus=focus, at=at, signals_by_document=people)
    if told_apart.rekeyed:
        people = entity_signals(store, EntityType.PERSON)
    separations = load_separations(store)
    merged = load_canonical_keys(store)
    chosen: list[Candidate] = []
    for kind in RECONCILED_TYPES:
        entities = known_entities(store, kind, people if kind is EntityType.PERSON else None)
        candidates = find_candidates(entities, focus=focus)
        chosen.extend(choose_merges(candidates, separations=separations, merged=merged, threshold=threshold))
    merges = record_merges(store, chosen, at=at) if chosen else []
    return ReconcileReport(
        merges=tuple(merges), separations=told_apart.separations, rekeyed=told_apart.rekeyed
    )


def merge_records(store: Store) -> list[Merge]:
    """Merges recorded in the store, newest first (ties: by folded key)."""
    return sorted(load_merges(store), key=lambda m: (m.at, m.merged), reverse=True)
