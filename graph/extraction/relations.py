"""Facts between resolved entities, read sentence by sentence with trigger words and light syntax.

Every rule works inside one segment (a sentence, cut again at block boundaries so a heading never
joins the paragraph after it). A rule finds a trigger ("maintainer", "work ... at", "gave a talk"),
then the agent (who does it) and the patient (what it is done to) among the segment's parties:
entity mentions plus pronouns resolved to entities ("I" is the narrator or the turn's speaker,
"we" the speaker's team organisation, "he"/"she" the last person named). A fact is kept only when
its end types fit the predicate's signature.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy
from spacy.attrs import IDX, IS_SPACE, LEMMA, LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc, Token

from graph.records import (
    SIGNATURES,
    Document,
    Entity,
    EntityType,
    Evidence,
    Fact,
    Predicate,
    Resolution,
    Turn,
    fits_signature,
)
from graph.timeexpr import time_near

P = Predicate
PERSON = EntityType.PERSON
ORG = EntityType.ORGANIZATION
PROJECT = EntityType.PROJECT
TECH = EntityType.TECHNOLOGY
CONFERENCE = EntityType.CONFERENCE

# Placeholder key of "we"/"our": replaced by the speaker's organisation (or the speaker) at the end.
_WE = "\x00we:"

FIRST_SINGULAR = frozenset({"i", "me", "my", "myself", "mine"})
FIRST_PLURAL = frozenset({"we", "us", "our", "ours", "ourselves"})
THIRD_SINGULAR = frozenset({"he", "him", "his", "she", "her", "himself", "herself"})
_PRONOUNS = FIRST_SINGULAR | FIRST_PLURAL | THIRD_SINGULAR  # every word `_pronoun_party` reads

# Tokens that may sit between two members of a list ("A, B and C", "Kubernetes & etcd (and also CSI)").
_LIST_GLUE = frozenset(
    {
        ",",
        "and",
        "&",
        "or",
        "as",
        "well",
        "the",
        "also",
        "(",
        ")",
        "/",
        "plus",
        "-",
        "--",
        "---",
        "—",
        "–",
        "to",
        "in",
    }
)
# Tokens that introduce examples after a patient ("in various areas, including controllers, apiserver").
_EXAMPLE_MARKERS = frozenset({"including", "like", "especially", "particularly", "e.g.", "namely"})
# Nouns that make the entity before them a mere modifier of something else: being involved with
# "the Kubernetes ecosystem" or adopting "Kubernetes processes" is not contributing to or using it.
_SCOPE_NOUNS = frozenset(
    {
        "ecosystem",
        "community",
        "communities",
        "space",
        "world",
        "landscape",
        "process",
        "processes",
        "practices",
        "conventions",
        "culture",
        "governance",
        "approach",
        "style",
        "way",
        "ways",
        "events",
        "event",
        "meetup",
        "meetups",
        "people",
        "folks",
        "team",
        "teams",
        "users",
        "customers",
    }
)
# Verbs allowed inside the gap between a trigger and its patient ("a startup named ARMO").
_GAP_VERBS = frozenset({"named", "called", "known"})
# Governing verbs that make "a talk at C" something the subject listened to, not gave.
_AUDIENCE_VERBS = frozenset(
    {"attend", "watch", "see", "hear", "listen", "join", "enjoy", "like", "love", "catch"}
)
# Lemmas that make the action they govern tentative ("tried to use", "plan to adopt").
_TENTATIVE = frozenset(
    {
        "try",
        "plan",
        "consider",
        "evaluate",
        "want",
        "hope",
        "intend",
        "aim",
        "explore",
        "test",
        "wish",
        "expect",
    }
)
_TENTATIVE_AUX = frozenset({"will", "would", "could", "should", "might", "may", "'ll", "can", "shall"})

ROLE_NOUNS = (
    "engineer",
    "engineers",
    "developer",
    "developers",
    "manager",
    "architect",
    "director",
    "scientist",
    "researcher",
    "consultant",
    "advocate",
    "evangelist",
    "intern",
    "employee",
    "employees",
    "specialist",
    "analyst",
    "officer",
    "cto",
    "ceo",
    "vp",
    "president",
    "founder",
    "co-founder",
    "cofounder",
    "head",
    "sre",
    "designer",
    "writer",
    "staff",
    "fellow",
    "programmer",
    "administrator",
    "technologist",
)


@dataclass(frozen=True)
class Rule:
    """One trigger and how to find its agent and patient.

    `agent`: "left" (subject, possessor, apposition head or nearest on the left) or "right" (the
    "by X" of a passive). `patient`: "right", "left" (a compound before the trigger: "etcd
    maintainer") or "either" (left first, then right). `preps`: the patient must follow one of
    these words; None means a direct object (only determiners and modifiers in between).
    """

    name: str
    patterns: tuple[tuple[dict[str, Any], ...], ...]
    predicates: tuple[Predicate, ...]
    confidence: float
    agent: str = "left"
    patient: str = "right"
    preps: frozenset[str] | None = None
    window: int = 6
    tentative_check: bool = False
    agent_types: frozenset[EntityType] | None = None  # extra restriction beyond the signatures
    default_agent_is_speaker: bool = False  # "Thanks to X": nobody named, the speaker thanks
    nearest_fallback: bool = True  # without a syntactic agent, take the nearest fitting party on the left
    topic_fallback: bool = False  # no patient after the trigger: the sentence's only project
    # no project in the sentence and the speaker says it of themself ("I started contributing"):
    # the project the question asked about, else the project the text is about
    document_topic: bool = False
    strict_gap: bool = False  # no other preposition before the patient ("work on X in AWS" is not at AWS)
    every_patient: bool = False  # "migrated from Calico to Cilium": each fitting party in the window
    noun: bool = False  # a role noun: its agent is what it is said of (copula, apposition), not any subject


def _lemmas(*words: str) -> dict[str, Any]:
    return {"LEMMA": {"IN": list(words)}}


def _lower(*words: str) -> dict[str, Any]:
    return {"LOWER": {"IN": list(words)}}


_ADV: dict[str, Any] = {"POS": "ADV", "OP": "*"}

RULES: tuple[Rule, ...] = (
    # contributedTo
    Rule(
        "contributes_to",
        ((_lemmas("contribute"),), (_lemmas("contribution"),)),
        (P.CONTRIBUTED_TO,),
        0.8,
        preps=frozenset({"to", "towards", "in", "on", "across"}),
        window=8,
        topic_fallback=True,
        document_topic=True,
    ),
    Rule(
        "contributor_of",
        ((_lemmas("contributor"),),),
        (P.CONTRIBUTED_TO,),
        0.8,
        patient="either",
        preps=frozenset({"to", "for", "of", "in", "on"}),
        noun=True,
    ),
    Rule(
        "works_on",
        ((_lemmas("work"),),),
        (P.CONTRIBUTED_TO,),
        0.7,
        preps=frozenset({"on"}),
        window=8,
    ),
    Rule(
        "works_in_area_of",
        ((_lemmas("work"), {"LOWER": "in"}, {"LOWER": "the"}, _lower("area", "areas", "space", "field")),),
        (P.CONTRIBUTED_TO,),
        0.6,
        preps=frozenset({"of"}),
        window=6,
    ),
    Rule(
        "started_in",
        ((_lemmas("start", "begin"), _lower("in", "with", "on")),),
        (P.CONTRIBUTED_TO,),
        0.55,
        window=3,
    ),
    Rule(
        "participates_in",
        ((_lemmas("participate", "involve", "engage"),),),
        (P.CONTRIBUTED_TO, P.ATTENDED),
        0.6,
        preps=frozenset({"in", "with"}),
        window=10,
    ),
    Rule(
        "lead_of",
        ((_lower("lead", "leads"),),),
        (P.CONTRIBUTED_TO,),
        0.6,
        patient="either",
        preps=frozenset({"for", "of", "on"}),
        noun=True,
    ),
    Rule(
        "reviewer_of",
        # a reviewer, approver or (subproject) owner works on the project, without being its maintainer
        ((_lemmas("reviewer", "approver", "owner"),), (_lower("reviewers", "approvers", "owners"),)),
        (P.CONTRIBUTED_TO,),
        0.7,
        patient="either",
        preps=frozenset({"for", "of", "on", "in"}),
        agent_types=frozenset({PERSON}),
        noun=True,
    ),
    # maintainerOf
    Rule(
        "maintainer_of",
        ((_lemmas("maintainer"),), (_lower("maintainer", "maintainers", "co-maintainer"),)),
        (P.MAINTAINER_OF,),
        0.85,
        patient="either",
        preps=frozenset({"of", "for", "on", "in"}),
        noun=True,
        document_topic=True,
    ),
    Rule(
        "maintains",
        ((_lemmas("maintain"),),),
        (P.MAINTAINER_OF, P.DEVELOPS),
        0.7,
        window=4,
    ),
    # createdBy (and develops when an organisation creates)
    Rule(
        "created",
        (
            (
                _lemmas(
                    "create",
                    "found",
                    "co-found",
                    "cofound",
                    "invent",
                    "author",
                    "launch",
                    "start",
                    "build",
                    "write",
                ),
            ),
        ),
        (P.CREATED_BY, P.CONTRIBUTED_TO, P.DEVELOPS),
        0.7,
        window=4,
    ),
    Rule(
        "creator_of",
        ((_lemmas("creator", "founder", "co-founder", "cofounder", "author", "inventor"),),),
        (P.CREATED_BY, P.CONTRIBUTED_TO),
        0.75,
        patient="either",
        preps=frozenset({"of", "behind"}),
        agent_types=frozenset({PERSON}),
        noun=True,
    ),
    Rule(
        "created_by",
        (
            (
                _lemmas(
                    "create",
                    "found",
                    "co-found",
                    "start",
                    "invent",
                    "author",
                    "write",
                    "build",
                    "develop",
                    "launch",
                ),
                {"LOWER": "by"},
            ),
        ),
        (P.CREATED_BY, P.DEVELOPS),
        0.75,
        agent="right",
        patient="left",
    ),
    # develops
    Rule(
        "develops",
        ((_lemmas("develop", "own", "release", "ship", "publish"),),),
        (P.DEVELOPS, P.CONTRIBUTED_TO),
        0.6,
        window=4,
        agent_types=frozenset({ORG, PERSON}),
    ),
    Rule(
        "owned_by",
        ((_lemmas("own", "maintain"), {"LOWER": "by"}),),
        (P.DEVELOPS, P.MAINTAINER_OF),
        0.6,
        agent="right",
        patient="left",
    ),
    # worksAt
    Rule(
        "works_at",
        ((_lemmas("work"),),),
        (P.WORKS_AT,),
        0.8,
        preps=frozenset({"at", "for", "@", "with", "in"}),
        window=12,
        strict_gap=True,
    ),
    Rule(
        "employed_by",
        ((_lemmas("employ", "hire"),),),
        (P.WORKS_AT,),
        0.8,
        preps=frozenset({"with", "by", "at"}),
    ),
    Rule("joined", ((_lemmas("join"),),), (P.WORKS_AT, P.CONTRIBUTED_TO), 0.6, window=4),
    Rule(
        "project_journey",
        ((_lower("journey"),),),
        (P.CONTRIBUTED_TO,),
        0.55,
        patient="left",
        noun=True,
        nearest_fallback=False,
    ),
    Rule(
        "project_team",
        ((_lower("team", "teams"),),),
        (P.CONTRIBUTED_TO,),
        0.6,
        patient="left",
        noun=True,
        nearest_fallback=False,
    ),
    Rule(
        "role_at",
        ((_lower(*ROLE_NOUNS),),),
        (P.WORKS_AT,),
        0.75,
        patient="either",
        preps=frozenset({"at", "for", "with", "@", "in"}),
        window=8,
        strict_gap=True,
        noun=True,
    ),
    Rule(
        "head_of",
        (
            (
                _lower(
                    "founder", "co-founder", "cofounder", "ceo", "cto", "president", "employee", "employees"
                ),
            ),
        ),
        (P.WORKS_AT,),
        0.75,
        preps=frozenset({"of"}),
        noun=True,
    ),
    Rule(
        "focus_on",
        (
            (_lower("focus", "focused", "focusing", "focuses"), {"LOWER": "on"}),
            ({"LOWER": "focus"}, _lower("area", "areas"), _ADV, {"LEMMA": "be"}, _ADV),
            ({"LOWER": "focus"}, {"LEMMA": "be"}, _ADV),
        ),
        (P.CONTRIBUTED_TO,),
        0.6,
        window=3,
    ),
    Rule(
        "member_of",
        ((_lower("member", "members"),),),
        (P.WORKS_AT,),
        0.75,
        patient="either",
        preps=frozenset({"of", "in"}),
        noun=True,
    ),
    # uses
    Rule(
        "uses",
        (
            (
                _lemmas(
                    "use",
                    "run",
                    "adopt",
                    "leverage",
                    "deploy",
                    "utilize",
                    "utilise",
                    "pick",
                    "choose",
                    "select",
                    "install",
                    "embrace",
                    "operate",
                ),
            ),
        ),
        (P.USES,),
        0.7,
        window=5,
        tentative_check=True,
    ),
    Rule(
        "relies_on",
        (
            (_lemmas("rely", "depend", "standardize", "standardise", "settle"), _ADV, {"LOWER": "on"}),
            (_lemmas("migrate", "switch", "move", "transition"),),
        ),
        (P.USES,),
        0.7,
        preps=frozenset({"on", "to", "from", "onto"}),
        window=6,
        tentative_check=True,
        every_patient=True,
    ),
    Rule(
        "used_by",
        ((_lemmas("use", "adopt", "run", "deploy", "choose", "pick", "trust"), {"LOWER": "by"}),),
        (P.USES,),
        0.7,
        agent="right",
        patient="left",
    ),
    Rule(
        "user_of",
        ((_lower("user", "users", "adopter", "adopters", "customer"),),),
        (P.USES,),
        0.6,
        patient="either",
        preps=frozenset({"of"}),
        noun=True,
        nearest_fallback=False,
    ),
    # spokeAt / attended
    Rule(
        "spoke_at",
        ((_lemmas("speak", "present", "keynote"),),),
        (P.SPOKE_AT,),
        0.8,
        preps=frozenset({"at", "during", "in", "on"}),
        window=8,
    ),
    Rule(
        "talk_at",
        (
            (
                _lower(
                    "talk",
                    "talks",
                    "presentation",
                    "keynote",
                    "session",
                    "workshop",
                    "panel",
                    "demo",
                    "tutorial",
                    "speech",
                    "speaker",
                    "lightning",
                ),
            ),
        ),
        (P.SPOKE_AT,),
        0.75,
        preps=frozenset({"at", "during", "for"}),
    ),
    Rule(
        "attended",
        ((_lemmas("attend", "visit"),), (_lemmas("participate", "go", "travel", "meet", "be", "come"),)),
        (P.ATTENDED,),
        0.7,
        preps=frozenset({"at", "to", "in", "during"}),
        window=6,
    ),
    Rule("attended_directly", ((_lemmas("attend", "visit"),),), (P.ATTENDED,), 0.75, window=4),
    Rule(
        "journey_to",
        ((_lower("journey", "trip", "visit", "way"),),),
        (P.ATTENDED,),
        0.6,
        preps=frozenset({"to"}),
        window=3,
    ),
    # knows
    Rule(
        "mentor",
        (
            (
                _lower(
                    "mentor",
                    "mentors",
                    "friend",
                    "friends",
                    "colleague",
                    "colleagues",
                    "teammate",
                    "teammates",
                    "co-mentor",
                    "manager",
                    "mentee",
                    "mentees",
                    "supervisor",
                    "advisor",
                ),
            ),
        ),
        (P.KNOWS,),
        0.75,
        patient="either",
        preps=frozenset({",", "is", "was", "-", "—", ":"}),
        window=4,
        noun=True,
    ),
    Rule(
        "mentored",
        ((_lemmas("mentor", "guide", "coach", "email", "know", "meet"),),),
        (P.KNOWS,),
        0.7,
        window=3,
    ),
    Rule(
        "mentored_by",
        ((_lemmas("mentor", "guide", "coach", "introduce", "help"), {"LOWER": "by"}),),
        (P.KNOWS,),
        0.7,
        agent="right",
        patient="left",
    ),
    Rule(
        "worked_with",
        (
            (
                _lemmas("work", "collaborate", "pair", "partner", "team"),
                _ADV,
                _lower("with", "alongside"),
            ),
            ({"LEMMA": "start"}, {"LEMMA": "talk"}, {"LOWER": "with"}),
        ),
        (P.KNOWS,),
        0.7,
        window=3,
    ),
    Rule(
        "thanks",
        ((_lemmas("thank", "thanks"),), (_lower("thanks", "grateful", "shoutout", "shout-out"),)),
        (P.KNOWS,),
        0.65,
        patient="either",
        preps=frozenset({"to", "you", ","}),
        window=6,
        default_agent_is_speaker=True,
    ),
)


@dataclass(frozen=True)
class Party:
    """An entity taking part in a segment: a mention or a resolved pronoun, as a token range."""

    key: str
    types: frozenset[EntityType]
    start: int  # token index
    end: int  # token index, exclusive
    pronoun: str | None = None  # "first_singular" | "first_plural" | "our_team" | "third" | None


@dataclass
class Segment:
    """A sentence (or the part of it inside one block) and its parties in token order."""

    start: int  # token index
    end: int
    kind: str = "paragraph"  # kind of the block it lies in
    parties: list[Party] = field(default_factory=list)
    by_token: dict[int, Party] = field(default_factory=dict)


@dataclass(frozen=True)
class _Found:
    """A fact before evidence and placeholder resolution."""

    subject: Party
    predicate: Predicate
    object: Party
    segment: Segment
    trigger: int  # token index of the trigger
    rule: str
    confidence: float


_RULE_BY_NAME = {rule.name: rule for rule in RULES}


# Token attributes the rule patterns test, in the order of `RuleMatcher.columns`.
_PATTERN_ATTRS = ("LEMMA", "LOWER", "POS")


class RuleMatcher:
    """Finds the trigger patterns of RULES in a segment: the matches spaCy's Matcher gives (each
    (rule, start, end) once; an optional-repeated last token gives every length), in its order.

    spaCy's Matcher tries every pattern at every token of every segment; here a match is only
    started at a token whose lemma or lower-case form opens some pattern, found by table lookup.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.order = {rule.name: index for index, rule in enumerate(rules)}
        # pattern: (rule name, ((column, ids, repeated), ...))
        self.patterns: list[tuple[str, tuple[tuple[int, frozenset[int], bool], ...]]] = []
        self.by_first: tuple[dict[int, list[int]], ...] = ({}, {}, {})
        for rule in rules:
            for pattern in rule.patterns:
                steps = tuple(_pattern_step(spec) for spec in pattern)
                column, ids, repeated = steps[0]
                if repeated:
                    raise ValueError(f"pattern of {rule.name} opens with an optional token")
                index = len(self.patterns)
                self.patterns.append((rule.name, steps))
                for value in ids:
                    self.by_first[column].setdefault(value, []).append(index)

    @staticmethod
    def columns(doc: Doc) -> list[list[int]]:
        """Each token's lemma, lower-case form and part of speech ids."""
        values = doc.to_array(list(_PATTERN_ATTRS)).reshape((len(doc), len(_PATTERN_ATTRS)))
        return cast(list[list[int]], values.tolist())

    def __call__(self, tokens: Sequence[Sequence[int]], start: int, end: int) -> list[tuple[str, int, int]]:
        """(rule name, start, end) of each match inside tokens[start:end], by start, end, rule order."""
        found: set[tuple[int, int, int, str]] = set()
        for first in range(start, end):
            values = tokens[first]
            opening = [i for column, table in enumerate(self.by_first) for i in table.get(values[column], ())]
            for index in opening:
                name, steps = self.patterns[index]
                for stop in _ends(steps, tokens, first, end):
                    found.add((first, stop, self.order[name], name))
        return [(name, first, stop) for first, stop, _, name in sorted(found)]


def _pattern_step(spec: dict[str, Any]) -> tuple[int, frozenset[int], bool]:
    op = spec.get("OP")
    keys = set(spec) - {"OP"}
    if op not in (None, "*") or len(keys) != 1 or next(iter(keys)) not in _PATTERN_ATTRS:
        raise ValueError(f"unsupported trigger pattern token {spec!r}")
    (attr,) = keys
    value = spec[attr]
    if isinstance(value, dict):
        if set(value) != {"IN"}:
            raise ValueError(f"unsupported trigger pattern token {spec!r}")
        ids = frozenset(get_string_id(v) for v in value["IN"])
    else:
        ids = frozenset({get_string_id(value)})
    return _PATTERN_ATTRS.index(attr), ids, op == "*"


def _ends(
    steps: tuple[tuple[int, frozenset[int], bool], ...], tokens: Sequence[Sequence[int]], first: int, end: int
) -> set[int]:
    """Ends of the matches of `steps` starting at token `first`, within tokens[:end]."""
    ends: set[int] = set()
    # A state is (next step, position); a repeated step may be skipped or taken again.
    states = [(0, first)]
    seen: set[tuple[int, int]] = set()
    while states:
        step, position = states.pop()
        if (step, position) in seen:
            continue
        seen.add((step, position))
        if step == len(steps):
            ends.add(position)
            continue
        column, ids, repeated = steps[step]
        if repeated:
            states.append((step + 1, position))
        if position < end and tokens[position][column] in ids:
            states.append((step if repeated else step + 1, position + 1))
    ends.discard(first)
    return ends


_RULE_MATCHER = RuleMatcher(RULES)


class _Context:
    """Lookups shared by every rule of one document."""

    def __init__(self, doc: Doc, document: Document, resolution: Resolution) -> None:
        self.doc = doc
        self.document = document
        self.resolution = resolution
        self.entities: dict[str, Entity] = {e.key: e for e in resolution.entities}
        self.person_tokens: set[int] = set()
        self.quotations = _quotations(document)
        self.quotation_starts = [start for start, _ in self.quotations]
        self.person_mentions: list[tuple[int, str]] = sorted(
            (m.start, key)
            for m, key in zip(resolution.mentions, resolution.mention_keys, strict=False)
            if key is not None and key in self.entities and self.entities[key].type == PERSON
        )
        self.person_starts = [start for start, _ in self.person_mentions]
        values = doc.to_array([LEMMA, LOWER]).reshape((len(doc), 2)) if len(doc) else numpy.zeros((0, 2))
        self._words = {"lemma": values[:, 0], "lower": values[:, 1]}
        self._positions: dict[tuple[str, str], list[int]] = {}
        self.project_mentions: list[tuple[int, str]] = sorted(
            (m.start, key)
            for m, key in zip(resolution.mentions, resolution.mention_keys, strict=False)
            if key is not None and key in self.entities and self.entities[key].type == PROJECT
        )
        self.project_starts = [start for start, _ in self.project_mentions]
        self.turns = sorted(resolution.turns, key=lambda t: (t.start, t.end))
        self.turn_starts = [t.start for t in self.turns]
        self.blocks = sorted(document.blocks, key=lambda b: (b.start, b.end))
        self.block_starts = [b.start for b in self.blocks]
        self.section_people = self._section_people()
        self.section_starts = [start for start, _ in self.section_people]
        self.topic_project = self._topic_project()
        self.title_organisation = self._title_organisation()

    def _title_organisation(self) -> str | None:
        """The one organisation the title names ("Spotlight on SIG CLI"), if it names exactly one."""
        titles = [b for b in self.blocks if b.kind == "title"]
        named = {
            key
            for m, key in zip(self.resolution.mentions, self.resolution.mention_keys, strict=False)
            if key is not None
            and key in self.entities
            and self.entities[key].type == ORG
            and any(b.start <= m.start < b.end for b in titles)
        }
        return next(iter(named)) if len(named) == 1 else None

    def _project_mentions(self, start: int = 0, end: int | None = None) -> list[str]:
        """Keys of the project mentions starting in [start, end)."""
        low = bisect.bisect_left(self.project_starts, start)
        high = len(self.project_starts) if end is None else bisect.bisect_left(self.project_starts, end)
        return [key for _, key in self.project_mentions[low:high]]

    def _topic_project(self) -> str | None:
        """The project the text is about: of those its title, summary or tags name, the one it
        mentions most; None when there is none or a tie."""
        named: set[str] = set()
        for block in self.blocks:
            if block.kind in ("title", "summary"):
                named.update(self._project_mentions(block.start, block.end))
        tags = {tag.casefold() for tag in self.document.metadata.tags}
        named.update(e.key for e in self.entities.values() if e.type == PROJECT and e.name.casefold() in tags)
        if not named:
            return None
        counts = Counter(key for key in self._project_mentions() if key in named)
        ranked = sorted(named, key=lambda key: (-counts[key], key))
        if len(ranked) > 1 and counts[ranked[0]] == counts[ranked[1]]:
            return None
        return ranked[0]

    def asked_project(self, char: int) -> str | None:
        """The one project the question answered by the turn at `char` names, if any."""
        turn = self.turn_at(char)
        if turn is None or turn.is_question:
            return None
        question = next((t for t in reversed(self.turns) if t.is_question and t.end <= turn.start + 1), None)
        if question is None:
            return None
        projects = set(self._project_mentions(question.start, question.end))
        return next(iter(projects)) if len(projects) == 1 else None

    def block_index(self, char: int) -> int:
        """Index of the block holding `char` (or the last one before it); -1 before the first."""
        return bisect.bisect_right(self.block_starts, char) - 1

    def _section_people(self) -> list[tuple[int, str | None]]:
        """(start, person) of each heading: the one person a heading names ("## Paco Xu"), else None."""
        sections: list[tuple[int, str | None]] = []
        for block in self.blocks:
            if block.kind != "heading":
                continue
            low = bisect.bisect_left(self.person_starts, block.start)
            high = bisect.bisect_left(self.person_starts, block.end)
            named = {key for _, key in self.person_mentions[low:high]}
            sections.append((block.start, next(iter(named)) if len(named) == 1 else None))
        return sections

    def profiled_person(self, char: int) -> str | None:
        """Who the text around `char` is about: the person its section heading names, else the one
        interviewee of the text; None when the text does not single anyone out."""
        index = bisect.bisect_right(self.section_starts, char) - 1
        if index >= 0 and self.section_people[index][1] is not None:
            return self.section_people[index][1]
        interviewees = [k for k in self.resolution.interviewees if k in self.entities]
        return interviewees[0] if len(interviewees) == 1 else None

    def turn_at(self, char: int) -> Turn | None:
        index = bisect.bisect_right(self.turn_starts, char) - 1
        # turns do not nest; a turn that ended before `char` may hide none after it
        return self.turns[index] if index >= 0 and char < self.turns[index].end else None

    def speaker_at(self, char: int) -> str | None:
        turn = self.turn_at(char)
        return turn.speaker if turn is not None else self.resolution.narrator

    def in_quotation(self, char: int) -> bool:
        index = bisect.bisect_right(self.quotation_starts, char) - 1
        return index >= 0 and char < self.quotations[index][1]

    def in_question(self, char: int) -> bool:
        turn = self.turn_at(char)
        return turn is not None and turn.is_question

    def last_person_before(self, char: int, limit: int = 1500) -> str | None:
        index = bisect.bisect_left(self.person_starts, char) - 1
        if index < 0 or char - self.person_starts[index] > limit:
            return None
        return self.person_mentions[index][1]

    def he_or_she(self, char: int) -> str | None:
        """The person "he"/"she" at `char` stands for: the last person named in this block or the one
        before it; farther back, the person the section or the interview is about."""
        index = bisect.bisect_left(self.person_starts, char) - 1
        if index >= 0 and self.block_index(char) - self.block_index(self.person_starts[index]) <= 1:
            return self.person_mentions[index][1]
        return self.profiled_person(char) or self.last_person_before(char)

    def named_subject_before(self, token: Token) -> bool:
        """A name that is not a person's is the subject earlier in the sentence ("Divine ... his")."""
        return any(
            t.dep_ in ("nsubj", "nsubjpass") and t.pos_ == "PROPN" and t.i not in self.person_tokens
            for t in token.doc[token.sent.start : token.i]
        )

    def tokens_with(self, attr: str, word: str, start: int, end: int) -> list[Token]:
        """Tokens of doc[start:end] whose `attr` ("lemma" or "lower") is `word`, in order: rules
        that need one word look only at its occurrences."""
        positions = self._positions.get((attr, word))
        if positions is None:
            wanted = self.doc.vocab.strings[word]
            positions = numpy.flatnonzero(self._words[attr] == wanted).tolist()
            self._positions[(attr, word)] = positions
        low, high = bisect.bisect_left(positions, start), bisect.bisect_left(positions, end)
        return [self.doc[i] for i in positions[low:high]]

    def types_of(self, key: str) -> frozenset[EntityType]:
        entity = self.entities.get(key)
        return frozenset({entity.type}) if entity else frozenset()


_QUOTE_PAIRS = {"“": "”", '"': '"'}


def _quotations(document: Document) -> list[tuple[int, int]]:
    """Spans of `document.text` someone else says: quote blocks and quoted passages in a block."""
    spans: list[tuple[int, int]] = []
    for block in sorted(document.blocks, key=lambda b: b.start):
        if block.kind == "quote":
            spans.append((block.start, block.end))
            continue
        text = document.text[block.start : block.end]
        open_at: int | None = None
        closing = ""
        for i, char in enumerate(text):
            if open_at is None and char in _QUOTE_PAIRS:
                open_at, closing = i, _QUOTE_PAIRS[char]
            elif open_at is not None and char == closing:
                if i - open_at > 20:  # a quoted sentence, not a quoted term ("the "hybrid" mode")
                    spans.append((block.start + open_at, block.start + i + 1))
                open_at = None
    return spans


def _segments(ctx: _Context) -> list[Segment]:
    """Sentences cut at block boundaries, as token ranges."""
    doc = ctx.doc
    blocks = sorted(ctx.document.blocks, key=lambda b: (b.start, b.end))
    starts = [b.start for b in blocks]

    def segment(start: int, end: int, block: int) -> Segment:
        kind = blocks[block].kind if 0 <= block < len(blocks) else "paragraph"
        return Segment(start, _last_content(doc, start, end) + 1, kind=kind)

    segments: list[Segment] = []
    if not len(doc):
        return segments
    values = doc.to_array([IS_SPACE, IDX]).reshape((len(doc), 2))
    spaces = values[:, 0].tolist()
    # Each token's block (-1 outside every block), read from the sorted block starts at once.
    if blocks:
        chars = values[:, 1].astype(numpy.int64)
        found = numpy.searchsorted(numpy.array(starts, dtype=numpy.int64), chars, side="right") - 1
        ends = numpy.array([b.end for b in blocks], dtype=numpy.int64)
        inside = (found >= 0) & (chars < ends[numpy.maximum(found, 0)])
        token_blocks = numpy.where(inside, found, -1).tolist()
    else:
        token_blocks = [-1] * len(doc)
    for sent in doc.sents:
        current_start: int | None = None
        current_block = -1
        for i in range(sent.start, sent.end):
            if spaces[i]:
                continue
            block = token_blocks[i]
            if current_start is None:
                current_start, current_block = i, block
            elif block != current_block:
                segments.append(segment(current_start, i, current_block))
                current_start, current_block = i, block
        if current_start is not None:
            segments.append(segment(current_start, sent.end, current_block))
    return segments


def _last_content(doc: Doc, start: int, end: int) -> int:
    last = end - 1
    while last > start and doc[last].is_space:
        last -= 1
    return last


def _fill_parties(ctx: _Context, segments: list[Segment]) -> None:
    doc = ctx.doc
    mention_spans: list[tuple[int, int, str, EntityType]] = []
    for mention, key in zip(ctx.resolution.mentions, ctx.resolution.mention_keys, strict=False):
        if key is None or key not in ctx.entities:
            continue
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        mention_spans.append((span.start, span.end, key, ctx.entities[key].type))
    mention_spans.sort()
    covered: set[int] = set()
    seg_index = 0
    for start, end, key, kind in mention_spans:
        if any(i in covered for i in range(start, end)):
            continue  # overlapping mentions: the first (longest at the same start) wins
        covered.update(range(start, end))
        if kind == PERSON:
            ctx.person_tokens.update(range(start, end))
        while seg_index < len(segments) and segments[seg_index].end <= start:
            seg_index += 1
        for segment in segments[seg_index : seg_index + 1]:
            if segment.start <= start < segment.end:
                _add_party(segment, Party(key, frozenset({kind}), start, min(end, segment.end)))
    # Only a pronoun can be a party here; the lower-case forms rule out every other token cheaply.
    pronouns = {doc.vocab.strings[word] for word in _PRONOUNS}
    lowers = doc.to_array(LOWER).tolist() if len(doc) else []
    for segment in segments:
        for i in range(segment.start, segment.end):
            if i in covered or lowers[i] not in pronouns:
                continue
            party = _pronoun_party(ctx, doc[i])
            if party is not None:
                _add_party(segment, party)
        segment.parties.sort(key=lambda p: p.start)


def _add_party(segment: Segment, party: Party) -> None:
    segment.parties.append(party)
    for i in range(party.start, party.end):
        segment.by_token[i] = party


def _pronoun_party(ctx: _Context, token: Token) -> Party | None:
    lower = token.lower_
    quoted = ctx.in_quotation(token.idx)
    if quoted and lower in FIRST_SINGULAR | FIRST_PLURAL:
        # someone quoted: "I" is unknown; "we" is the organisation the text is about, if any
        if lower in FIRST_PLURAL and token.pos_ == "PRON":
            return Party(_WE, frozenset({PERSON, ORG}), token.i, token.i + 1, "first_plural")
        return None
    if lower in FIRST_SINGULAR and (lower != "i" or token.text == "I") and token.pos_ == "PRON":
        speaker = ctx.speaker_at(token.idx)
        if speaker is None or speaker not in ctx.entities:
            return None
        return Party(speaker, ctx.types_of(speaker), token.i, token.i + 1, "first_singular")
    if lower in FIRST_PLURAL and token.pos_ == "PRON":
        speaker = ctx.speaker_at(token.idx)
        if speaker is None:
            return None
        return Party(_WE + speaker, frozenset({PERSON, ORG}), token.i, token.i + 1, "first_plural")
    if lower in THIRD_SINGULAR and token.pos_ == "PRON":
        person = ctx.he_or_she(token.idx)
        if person is None or ctx.named_subject_before(token):
            return None
        return Party(person, ctx.types_of(person), token.i, token.i + 1, "third")
    return None


# --- agent and patient search -------------------------------------------------------------------


def _allowed(rule: Rule, role: str) -> frozenset[EntityType]:
    """Entity types that may fill `role` ("agent" or "patient") for at least one rule predicate."""
    kinds: set[EntityType] = set()
    for predicate in rule.predicates:
        subjects, objects = _oriented(predicate)
        kinds |= subjects if role == "agent" else objects
    if role == "agent" and rule.agent_types is not None:
        kinds &= rule.agent_types
    return frozenset(kinds)


def _oriented(predicate: Predicate) -> tuple[frozenset[EntityType], frozenset[EntityType]]:
    """(agent types, patient types) of a predicate: createdBy points from the patient to the agent."""
    subjects, objects = SIGNATURES[predicate]
    return (objects, subjects) if predicate is P.CREATED_BY else (subjects, objects)


def _fits(party: Party, kinds: frozenset[EntityType]) -> bool:
    return bool(party.types & kinds)


def _list_around(
    segment: Segment, doc: Doc, first: Party, kinds: frozenset[EntityType], step: int
) -> list[Party]:
    """`first` plus the parties listed with it in direction `step` (+1 right, -1 left)."""
    listed = [first]
    parties = segment.parties
    index = parties.index(first)
    while 0 <= index + step < len(parties):
        nxt = parties[index + step]
        gap = range(first.end, nxt.start) if step > 0 else range(nxt.end, first.start)
        gap_words = [doc[i].lower_ for i in gap if not doc[i].is_space]
        if not gap_words or len(gap_words) > 4 or any(w not in _LIST_GLUE for w in gap_words):
            break
        if not any(w in {",", "and", "&", "or", "/", "("} for w in gap_words):
            break
        if not _fits(nxt, kinds):
            break
        listed.append(nxt)
        first, index = nxt, index + step
    return listed


def _coordinated(segment: Segment, doc: Doc, party: Party, kinds: frozenset[EntityType]) -> list[Party]:
    left = _list_around(segment, doc, party, kinds, -1)
    right = _list_around(segment, doc, party, kinds, +1)
    return sorted({p.start: p for p in left + right}.values(), key=lambda p: p.start)


def _party_in(segment: Segment, token: Token) -> Party | None:
    return segment.by_token.get(token.i)


def _subtree_party(segment: Segment, token: Token, kinds: frozenset[EntityType]) -> list[Party]:
    found: dict[int, Party] = {}
    for t in token.subtree:
        party = segment.by_token.get(t.i)
        if party is not None and _fits(party, kinds):
            found[party.start] = party
    return list(found.values())


_CLIMB = frozenset(
    {
        "conj",
        "xcomp",
        "advcl",
        "acl",
        "relcl",
        "prep",
        "pobj",
        "dobj",
        "attr",
        "acomp",
        "oprd",
        "pcomp",
        "compound",
        "npadvmod",
        "amod",
        "dative",
        "ccomp",
    }
)


# What a role noun may hang from on the way up to the clause it describes: "I am a maintainer",
# "one of the maintainers", "works as a maintainer", "a reviewer and maintainer".
_NOUN_CLIMB = frozenset({"conj", "attr", "acomp", "oprd", "npadvmod", "appos"})
_NOUN_PREPS = frozenset({"of", "as", "on"})


def _climbs(token: Token, noun: bool) -> bool:
    if token.head is token:
        return False
    if not noun:
        return token.dep_ in _CLIMB
    if token.dep_ in _NOUN_CLIMB:
        return True
    if token.dep_ == "pobj":
        return token.head.lower_ in _NOUN_PREPS
    return token.dep_ == "prep" and token.lower_ in _NOUN_PREPS


def _clause_agent(
    segment: Segment, doc: Doc, trigger: Token, kinds: frozenset[EntityType], noun: bool = False
) -> list[Party] | None:
    """The agent the syntax gives: possessor, apposition head or clause subject.

    None when the syntax says nothing; [] when it names an agent that is not an entity.
    """
    # the possessor, also when the parser hangs it on a compound ("My Kubernetes journey")
    modifiers = [trigger, *(c for c in trigger.children if c.dep_ == "compound")]
    for child in (c for m in modifiers for c in m.children):
        if child.dep_ == "poss":
            party = _party_in(segment, child)
            if party is not None and _fits(party, kinds):
                return [party]
    token = trigger
    for _ in range(8):
        if not segment.start <= token.i < segment.end:
            return None
        if token.dep_ == "appos":
            party = _party_in(segment, token.head)
            if party is not None:  # "Buoyant, the creator of Linkerd": the apposition names it
                return [party] if _fits(party, kinds) else []
        subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass", "expl")]
        if subjects and not segment.start <= subjects[0].i < segment.end:
            return None  # the parser joined two blocks; the syntax across them says nothing
        if subjects:
            subject = subjects[0]
            relative = subject.lower_ in ("which", "who", "that") and token.dep_ in ("relcl", "acl")
            if relative:
                subject = token.head
            party = _party_in(segment, subject)
            if party is not None and _fits(party, kinds):
                return [party]
            if relative and party is None:
                return []  # "people at KubeCon who were in a situation like ours": those people
            inside = _subtree_party(segment, subject, kinds)
            return inside if len(inside) == 1 else []
        if token.dep_ == "acl" and token.tag_ in ("VBG", "VBN"):
            # "anyone running Kubernetes": the noun the clause hangs on does it
            party = _party_in(segment, token.head)
            if party is not None:
                return [party] if _fits(party, kinds) else []
            if token.head.dep_ not in ("attr", "appos", "oprd"):
                return []
            # "Shiming is an engineer working on X": the noun is said of the clause subject
            token = token.head
            noun = True
            continue
        if _climbs(token, noun):
            token = token.head
            continue
        return None
    return None


def _nearest_left(
    segment: Segment, index: int, kinds: frozenset[EntityType], limit: int = 20, doc: Doc | None = None
) -> Party | None:
    for party in reversed(segment.parties):
        if party.end <= index and index - party.end <= limit and _fits(party, kinds):
            if doc is not None and party.end < len(doc) and doc[party.end].text == ":":
                return None  # a speaker label ("Fyka: Given your experience..."), not a participant
            return party
    return None


def _apposed_to_other(segment: Segment, doc: Doc, start: int, kinds: frozenset[EntityType]) -> bool:
    """The role noun is set beside an entity of another type ("Buoyant, the creator of Linkerd")."""
    before = next((p for p in reversed(segment.parties) if p.end <= start), None)
    if before is None or _fits(before, kinds):
        return False
    gap = [doc[i] for i in range(before.end, start) if not doc[i].is_space]
    return bool(gap) and gap[0].text == "," and all(t.pos_ in ("DET", "ADJ", "PUNCT") for t in gap)


def _agents(
    rule: Rule, segment: Segment, doc: Doc, start: int, end: int, trigger: Token, kinds: frozenset[EntityType]
) -> list[Party]:
    if rule.agent == "right":
        nxt = next((p for p in segment.parties if p.start >= end), None)
        if nxt is None or nxt.start - end > 2 or not _fits(nxt, kinds):
            return []
        return _list_around(segment, doc, nxt, kinds, +1)
    if rule.noun and _apposed_to_other(segment, doc, start, kinds):
        return []
    syntactic = _clause_agent(segment, doc, trigger, kinds, rule.noun)
    if syntactic:
        return _coordinated(segment, doc, syntactic[0], kinds) if len(syntactic) == 1 else syntactic
    if rule.noun:
        # "members --- Ben, Nabarun and Paco": the people named right after the role
        nxt = next((p for p in segment.parties if p.start >= end), None)
        if nxt is not None and _fits(nxt, kinds) and not nxt.pronoun:
            gap = [doc[i].lower_ for i in range(end, nxt.start) if not doc[i].is_space]
            if gap and all(w in (":", "-", "--", "---", "—", "–", "(") for w in gap):
                return _list_around(segment, doc, nxt, kinds, +1)
    if (syntactic is None and rule.nearest_fallback) or rule.default_agent_is_speaker:
        party = _nearest_left(segment, start, kinds, limit=12 if rule.noun else 20, doc=doc)
        if party is not None:
            return _coordinated(segment, doc, party, kinds)
    return []


def _is_modifier(token: Token) -> bool:
    return (
        token.is_space
        or token.pos_ in ("DET", "ADJ", "NUM", "ADV", "NOUN", "PROPN")
        or token.dep_ in ("poss", "amod", "compound", "det", "nummod")
        or token.lower_ in _GAP_VERBS
        or token.lower_ in ("'s", "’s", "-")
    ) and token.pos_ not in ("ADP", "CCONJ", "SCONJ", "AUX")


def _gap_is_modifiers(doc: Doc, start: int, end: int) -> bool:
    """Only modifiers of the object between a verb and it ("use self-managed Kubernetes clusters")."""
    return all(_is_modifier(doc[i]) or doc[i].dep_ in ("amod", "npadvmod") for i in range(start, end))


def _gap_has_prep(doc: Doc, start: int, end: int, preps: frozenset[str]) -> bool:
    """An empty gap, or a listed preposition followed only by modifiers of the patient.

    Before that preposition anything but a clause break may stand ("work as a developer for X").
    """
    last_prep: int | None = None
    for i in range(start, end):
        token = doc[i]
        if token.lower_ in preps:
            last_prep = i
        elif token.lower_ in (";", ":", ".", "!", "?"):
            return False
    if last_prep is None:
        return all(doc[i].is_space for i in range(start, end))
    return all(_is_modifier(doc[i]) for i in range(last_prep + 1, end))


def _is_possessor(doc: Doc, party: Party) -> bool:
    """A possessive pronoun ("my friends") owns the patient; it is never the patient itself."""
    return party.pronoun is not None and doc[party.start].dep_ == "poss"


_MODIFIER_SUFFIXES = frozenset(
    {"related", "based", "aware", "native", "centric", "focused", "specific", "compatible"}
)


def _is_compound_modifier(doc: Doc, segment: Segment, party: Party) -> bool:
    """The party only modifies the noun after it ("a Kubernetes team", "Kubernetes-related projects")."""
    after = party.end
    if after + 1 < segment.end and doc[after].text == "-" and doc[after + 1].lower_ in _MODIFIER_SUFFIXES:
        return True
    root = doc[party.start : party.end].root
    head = root.head
    return (
        root.dep_ in ("compound", "amod", "nmod")
        and head.i >= party.end
        and head.pos_ in ("NOUN", "PROPN")
        and head.i not in segment.by_token  # "Kubernetes Conformance", but not "Cilium Helm" (two names)
    )


def _modifies_scope_noun(doc: Doc, segment: Segment, party: Party) -> bool:
    """The party only qualifies a following scope noun ("the Kubernetes ecosystem")."""
    following = party.end
    return (
        following < segment.end
        and doc[following].lower_ in _SCOPE_NOUNS
        and doc[party.end - 1].dep_ in ("compound", "amod", "nmod")
    )


def _patients_right(
    rule: Rule, segment: Segment, doc: Doc, end: int, kinds: frozenset[EntityType]
) -> list[Party]:
    collected: list[Party] = []
    for party in segment.parties:
        if party.start < end or party in collected:
            continue
        if party.start - end > rule.window:
            break
        if not _fits(party, kinds) or _is_possessor(doc, party):
            continue
        if rule.predicates[0] in (P.USES, P.CONTRIBUTED_TO) and _modifies_scope_noun(doc, segment, party):
            break
        if _is_compound_modifier(doc, segment, party) and (
            (rule.preps is None and rule.predicates[0] is not P.USES) or doc[party.end].text == "-"
        ):
            # "start a Kubernetes team", "maintainer of Kubernetes-related projects such as Pluto":
            # not the modifier, but the examples of what it modifies
            collected += _examples_after(segment, doc, party, kinds)
            break
        if rule.preps is not None:
            ok = _gap_has_prep(doc, end, party.start, rule.preps) and (
                not rule.strict_gap
                or _gap_is_strict(doc, end, party.start, rule.preps)
                or _prep_attaches_to(doc, end, party.start, rule.preps, doc[end - 1])
            )
        else:  # a direct object, and not the possessor of one ("start Cilium's installation")
            ok = _gap_is_modifiers(doc, end, party.start) and not (
                party.end < segment.end and doc[party.end].lower_ in ("'s", "’s")
            )
        if not ok:
            break
        patients = _list_around(segment, doc, party, kinds, +1)
        collected += patients + _examples_after(segment, doc, patients[-1], kinds)
        if not rule.every_patient:
            break
    return collected


def _examples_after(segment: Segment, doc: Doc, last: Party, kinds: frozenset[EntityType]) -> list[Party]:
    """Parties listed after "including"/"like" shortly after the patient."""
    for i in range(last.end, min(last.end + 10, segment.end)):
        if doc[i].lower_ in _EXAMPLE_MARKERS or (
            doc[i].lower_ == "such" and i + 1 < len(doc) and doc[i + 1].lower_ == "as"
        ):
            found: list[Party] = []
            for party in segment.parties:
                if party.start > i and party.start - i <= 12 and _fits(party, kinds):
                    found.append(party)
            return found
        if doc[i].lower_ in (";", ":", ".") or (doc[i].pos_ == "VERB" and doc[i - 1].text != "-"):
            return []
    return []


def _patients_left(segment: Segment, doc: Doc, start: int, kinds: frozenset[EntityType]) -> list[Party]:
    """A party right before the trigger, as a compound or possessor ("the etcd maintainers")."""
    for party in reversed(segment.parties):
        if party.end > start:
            continue
        if _is_possessor(doc, party):
            return []
        gap = [doc[i] for i in range(party.end, start) if not doc[i].is_space]
        if len(gap) > 3 or any(
            t.pos_ not in ("NOUN", "PROPN", "ADJ", "PART")
            and t.lower_ not in ("'s", "’s", "-", "(", ")", ",")
            for t in gap
        ):
            return []
        if not _fits(party, kinds):
            return []
        return _list_around(segment, doc, party, kinds, -1)
    return []


def _is_tentative(trigger: Token) -> bool:
    """Tried, planned, negated or hypothetical use ("tried to use", "will adopt", "did not run")."""
    token = trigger
    for depth in range(4):
        if any(c.dep_ == "neg" for c in token.children):
            return True
        if any(c.dep_ == "aux" and c.lower_ in _TENTATIVE_AUX for c in token.children):
            return True
        if depth > 0 and token.lemma_ in _TENTATIVE:
            return True
        if (
            token.dep_ in ("xcomp", "ccomp", "advcl", "pcomp", "pobj", "prep", "conj")
            and token.head is not token
        ):
            token = token.head
        else:
            break
    return token.lemma_ in _TENTATIVE and token is not trigger


_HYPOTHETICAL_AUX = frozenset({"will", "would", "could", "should", "might", "'d", "'ll"})


def _is_negated(trigger: Token) -> bool:
    """Said not to happen or only as a wish: "I didn't work on", "I would love to work at"."""
    for token in (trigger, trigger.head) if trigger.dep_ == "xcomp" else (trigger,):
        for child in token.children:
            if child.dep_ == "neg" or (child.dep_ == "aux" and child.lower_ in _HYPOTHETICAL_AUX):
                return True
    return False


def _gap_is_strict(doc: Doc, start: int, end: int, preps: frozenset[str]) -> bool:
    """No preposition but the rule's own and "as" between trigger and patient ("work as X for ORG")."""
    return all(
        doc[i].pos_ != "ADP" or doc[i].lower_ in preps or doc[i].lower_ == "as" for i in range(start, end)
    )


def _prep_attaches_to(doc: Doc, start: int, end: int, preps: frozenset[str], trigger: Token) -> bool:
    """The last listed preposition before the patient hangs on the trigger itself ("working on
    Kubernetes for DaoCloud"), not on a noun in between ("work on support for X in AWS")."""
    last = next((doc[i] for i in range(end - 1, start - 1, -1) if doc[i].lower_ in preps), None)
    if last is None:
        return False
    if last.head == trigger:
        return True
    # the parser hangs "for DaoCloud" on the name worked on ("working on Kubernetes for DaoCloud");
    # a common noun in between still blocks it ("work on support for X in AWS")
    named = last.head
    return (
        last.lower_ == "for"
        and named.pos_ == "PROPN"
        and named.dep_ == "pobj"
        and named.head.lower_ == "on"
        and named.head.head == trigger
    )


def _apply_rule(rule: Rule, ctx: _Context, segment: Segment, start: int, end: int) -> Iterable[_Found]:
    doc = ctx.doc
    trigger = doc[start:end].root
    if rule.tentative_check and _is_tentative(trigger):
        return
    if not rule.noun and _is_negated(trigger):
        return
    if rule.default_agent_is_speaker and ctx.in_question(doc[start].idx):
        return  # an interviewer thanking a guest is courtesy, not acquaintance
    if trigger.dep_ in ("amod", "compound") and end <= trigger.head.i < segment.end:
        return  # "working groups", "Developer Experience engineer": it modifies the word after it
    if trigger.lemma_ == "work" and any(c.dep_ in ("det", "poss") for c in trigger.children):
        return  # "the work Han is doing with WG Reliability": a noun, not someone working
    agent_kinds, patient_kinds = _allowed(rule, "agent"), _allowed(rule, "patient")
    if rule.agent == "right":  # a passive: "Hubble is a tool created by Isovalent"
        nearest = _nearest_left(segment, start, patient_kinds, limit=rule.window)
        patients = _list_around(segment, doc, nearest, patient_kinds, -1) if nearest else []
    elif rule.patient == "left":
        patients = _patients_left(segment, doc, start, patient_kinds)
    elif rule.patient == "either":
        patients = _patients_left(segment, doc, start, patient_kinds) or _patients_right(
            rule, segment, doc, end, patient_kinds
        )
    else:
        patients = _patients_right(rule, segment, doc, end, patient_kinds)
    name, confidence = rule.name, rule.confidence
    if not patients and rule.preps is None and not rule.noun:
        patients = _object_examples(segment, trigger, patient_kinds)
    if not patients and (rule.name == "talk_at" or (rule.name == "spoke_at" and trigger.pos_ == "VERB")):
        patients = _event_before(segment, trigger)
    if not patients and rule.topic_fallback:
        # "the etcd community needed help so I started contributing": the one project of the sentence
        projects = {
            p.key: p
            for p in segment.parties
            if PROJECT in p.types
            and not p.pronoun
            and not (p.end + 1 < segment.end and doc[p.end].text == "-")  # "Kubernetes-related"
        }
        syntactic = _clause_agent(segment, doc, trigger, agent_kinds, rule.noun)
        if len(projects) != 1 or not syntactic:
            if not projects and rule.document_topic:
                patients = _topic_patients(ctx, segment, start, syntactic)
                name, confidence = "project_of_text", CONFIDENCE["project_of_text"]
            if not patients:
                return
        else:
            patients = list(projects.values())
            name, confidence = "project_in_sentence", CONFIDENCE["project_in_sentence"]
    elif not patients and rule.document_topic:
        syntactic = _clause_agent(segment, doc, trigger, agent_kinds, rule.noun)
        if not any(PROJECT in p.types and not p.pronoun for p in segment.parties):
            patients = _topic_patients(ctx, segment, start, syntactic)
            name, confidence = "project_of_text", CONFIDENCE["project_of_text"]
    if not patients:
        return
    agents = [a for a in _agents(rule, segment, doc, start, end, trigger, agent_kinds) if a not in patients]
    if not agents and rule.noun and segment.kind == "title" and ctx.resolution.narrator in ctx.entities:
        # "From Zero to Kubernetes Subproject Lead": a personal post's title speaks of its author
        narrator = ctx.resolution.narrator
        agents = [Party(narrator, ctx.types_of(narrator), start, start, "first_singular")]
        name, confidence = "title_narrator", CONFIDENCE["title_narrator"]
    if not agents and rule.default_agent_is_speaker:
        speaker = ctx.speaker_at(doc[start].idx)
        if speaker is not None and speaker in ctx.entities:
            agents = [Party(speaker, ctx.types_of(speaker), start, start, "first_singular")]
    predicates = rule.predicates
    if rule.name == "talk_at":
        predicates = _talk_predicates(segment, trigger)
    for agent in agents:
        for patient in patients:
            if agent.key == patient.key:
                continue
            for predicate in predicates:
                agent_types, patient_types = _oriented(predicate)
                if rule.agent_types is not None and not agent.types & rule.agent_types:
                    continue
                if not (agent.types & agent_types and patient.types & patient_types):
                    continue
                subject, obj = (patient, agent) if predicate is P.CREATED_BY else (agent, patient)
                if predicate is P.KNOWS and obj.pronoun == "first_singular":
                    subject, obj = obj, subject  # the narrator is the one who knows, as the gold reads it
                yield _Found(subject, predicate, obj, segment, start, name, confidence)


# words before the trigger that make the statement a wish, a plan or advice rather than a fact
_TOPIC_BLOCKERS = (
    _TENTATIVE
    | _TENTATIVE_AUX
    | {"goal", "need", "recommendation", "way", "how", "let", "love", "would", "?"}
)
_TARGET_PREPS = frozenset({"to", "towards", "in", "on", "across", "for"})


def _object_examples(segment: Segment, trigger: Token, kinds: frozenset[EntityType]) -> list[Party]:
    """'We publish several libraries ..., such as cli-runtime and kyaml': the named examples of a
    direct object that names a kind of thing."""
    doc = trigger.doc
    for obj in (c for c in trigger.children if c.dep_ == "dobj"):
        if obj.i in segment.by_token:
            return []
        subtree = sorted(t.i for t in obj.subtree)
        markers = [
            i
            for i in subtree
            # not "including": "looked at several options, including Calico" lists candidates
            if doc[i].lower_ == "such" and i + 1 < len(doc) and doc[i + 1].lower_ == "as"
        ]
        if not markers:
            continue
        found: dict[int, Party] = {}
        for i in subtree:
            party = segment.by_token.get(i)
            if party is not None and i > markers[0] and not party.pronoun and _fits(party, kinds):
                found[party.start] = party
        return list(found.values())
    return []


def _event_before(segment: Segment, trigger: Token) -> list[Party]:
    """'At KubeCon EU 2023 I gave a talk': the event of an "at"/"during" phrase earlier in the clause."""
    doc = trigger.doc
    clause = {trigger.i, *(t.i for t in trigger.ancestors)}
    for party in segment.parties:
        if party.start >= trigger.i or CONFERENCE not in party.types or party.start == segment.start:
            continue
        prep = doc[party.start - 1]
        if prep.lower_ in ("at", "during") and prep.head.i in clause:
            return [party]
    return []


def _names_a_target(prep: Token) -> bool:
    """A preposition whose object is a thing worked on, not a time or a place ("in 2021")."""
    objects = [c for c in prep.children if c.dep_ == "pobj"]
    return bool(objects) and not any(
        o.ent_type_ in ("DATE", "TIME", "GPE", "LOC", "CARDINAL") or o.like_num for o in objects
    )


def _topic_patients(ctx: _Context, segment: Segment, start: int, agents: list[Party] | None) -> list[Party]:
    """The project of the question or of the text, when the speaker (the narrator or an
    interviewee, not someone quoted) says the statement of themself, as done, of no other thing."""
    trigger = ctx.doc[start]
    char = trigger.idx
    if _is_tentative(trigger) or _is_negated(trigger):
        return []
    after = ctx.doc[start + 1] if start + 1 < segment.end else None
    if (
        any(c.lower_ in _TARGET_PREPS and _names_a_target(c) for c in trigger.children)
        or (
            after is not None
            and after.lower_ in _TARGET_PREPS
            # the parser reads "to open source" as "to open": the genre's generic target all the same
            and (
                (after.pos_ == "ADP" and _names_a_target(after))
                or re.match(r"\s*open[ -]source", ctx.doc.text[after.idx + len(after) :])
            )
        )
    ):
        return []  # "contributing to open source", "to the Volume Snapshot project": another target
    if trigger.dep_ == "nsubj" and trigger.head.lemma_ == "be":
        return []  # "my first contribution was the Landscape Guide": the text says what it was
    if (
        trigger.pos_ == "NOUN"
        and trigger.dep_ not in ("attr", "oprd", "appos")
        and not any(c.dep_ == "poss" for c in trigger.children)
    ):
        return []  # "the spirit of open-source contribution": nobody's contribution in particular
    if any(
        t.lemma_ in _TOPIC_BLOCKERS or t.lower_ in _TOPIC_BLOCKERS for t in ctx.doc[segment.start : start]
    ):
        return []  # "my goal is to contribute", "a recommendation for contributing": not a fact
    if not agents or len(agents) != 1 or agents[0].pronoun != "first_singular" or ctx.in_quotation(char):
        return []
    speaker = agents[0].key
    resolution = ctx.resolution
    if speaker == resolution.interviewer or (
        speaker != resolution.narrator and speaker not in resolution.interviewees
    ):
        return []
    project = ctx.asked_project(char) or ctx.topic_project
    if project is None:
        return []
    return [Party(project, frozenset({PROJECT}), start, start)]


def _talk_predicates(segment: Segment, trigger: Token) -> tuple[Predicate, ...]:
    """A talk someone gave (spokeAt) unless the clause says they only watched it (attended)."""
    if any(c.dep_ == "poss" for c in trigger.children):
        return (P.SPOKE_AT,)
    head = trigger.head
    for _ in range(3):
        if head.lemma_ in _AUDIENCE_VERBS:
            return (P.ATTENDED,)
        if head.head is head:
            break
        head = head.head
    return (P.SPOKE_AT,)


# --- structural rules (no trigger word) ---------------------------------------------------------


def _byline_facts(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'Name (Company)', 'Name, Company' in a short line, 'Name from Company', 'Name @ Company'."""
    doc = ctx.doc
    parties = segment.parties
    short = (segment.end - segment.start) <= 16
    for left, right in zip(parties, parties[1:], strict=False):
        if PERSON not in left.types or left.pronoun or right.pronoun:
            continue
        gap = [doc[i].lower_ for i in range(left.end, right.start) if not doc[i].is_space]
        closed = right.end >= segment.end or doc[right.end].lower_ in (")", "|", ";", ",", "—", "-")
        if (
            ORG in right.types
            and gap in (["("], ["from"], ["@"], ["at"])
            or (gap == [","] and (short or closed))
        ):
            persons = _list_around(segment, doc, left, frozenset({PERSON}), -1) if gap == ["("] else [left]
            for person in persons:
                yield _Found(person, P.WORKS_AT, right, segment, left.start, "byline", 0.75)
        elif (
            PROJECT in right.types
            and gap == ["("]
            and right.end < segment.end
            and doc[right.end].lower_ == ")"
        ):
            # a team list "Liz Rice (Cilium)": the person works on the project
            yield _Found(left, P.CONTRIBUTED_TO, right, segment, left.start, "person_project", 0.6)


def _at_org_facts(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'At Google, I lead ...': the subject works at the organisation that opens the sentence."""
    doc = ctx.doc
    if doc[segment.start].lower_ != "at" or not segment.parties:
        return
    org = segment.parties[0]
    if org.start != segment.start + 1 or ORG not in org.types or org.end >= segment.end:
        return
    if doc[org.end].lower_ != ",":
        return
    subject = next((p for p in segment.parties if p.start > org.end), None)
    if subject is not None and subject.pronoun == "first_singular" and subject.start - org.end <= 2:
        yield _Found(subject, P.WORKS_AT, org, segment, segment.start, "at_org", 0.65)


def _possessive_develops(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'Google's GKE', 'Hubble from Isovalent': an organisation's project."""
    doc = ctx.doc
    for left, right in zip(segment.parties, segment.parties[1:], strict=False):
        if left.pronoun or right.pronoun:
            continue
        gap = [doc[i].lower_ for i in range(left.end, right.start) if not doc[i].is_space]
        if ORG in left.types and PROJECT in right.types and gap in (["'s"], ["’s"]):
            yield _Found(left, P.DEVELOPS, right, segment, left.start, "org_possessive", 0.5)
        if PROJECT in left.types and ORG in right.types and gap in (["from"], ["by"]):
            yield _Found(right, P.DEVELOPS, left, segment, left.start, "project_from_org", 0.5)


def _heard_at_conference(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'I heard/saw/met ... at DockerCon': the first person was at the conference."""
    doc = ctx.doc
    conferences = [
        p
        for p in segment.parties
        if CONFERENCE in p.types
        and p.start > segment.start
        and (
            doc[p.start - 1].lower_ in ("at", "during") or doc[p.start - 2 : p.start].text.lower() == "at the"
        )
    ]
    if not conferences:
        return
    for party in segment.parties:
        if party.pronoun != "first_singular" or PERSON not in party.types:
            continue
        token = doc[party.start]
        if token.dep_ == "nsubj" and token.head.lemma_ in _AUDIENCE_VERBS | {"meet"}:
            for conference in conferences:
                yield _Found(party, P.ATTENDED, conference, segment, token.head.i, "heard_at", 0.5)


def _coordinated_tokens(doc: Doc, first: Party, second: Party) -> bool:
    """The two parties are conjuncts of one phrase ("Liz and myself"), not two clauses."""
    a = doc[first.start : first.end].root
    b = doc[second.start : second.end].root
    return (a.dep_ == "conj" and a.head == b) or (b.dep_ == "conj" and b.head == a)


def _together_with_me(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'Liz and I', '(Liz and myself)', 'With Yoyo, we started': the speaker worked with the person."""
    doc = ctx.doc
    parties = segment.parties
    for left, right in zip(parties, parties[1:], strict=False):
        gap = [doc[i].lower_ for i in range(left.end, right.start) if not doc[i].is_space]
        if gap not in (["and"], ["&"]):
            continue
        for named, pronoun in ((left, right), (right, left)):
            if (
                PERSON in named.types
                and not named.pronoun
                and pronoun.pronoun == "first_singular"
                and doc[pronoun.start].dep_ != "poss"
                and _coordinated_tokens(doc, named, pronoun)
            ):
                yield _Found(pronoun, P.KNOWS, named, segment, left.start, "together_with_me", 0.55)
    if len(parties) >= 2 and doc[segment.start].lower_ == "with":
        named, pronoun = parties[0], parties[1]
        if (
            named.start == segment.start + 1
            and PERSON in named.types
            and not named.pronoun
            and named.end < segment.end
            and doc[named.end].lower_ == ","
            and pronoun.pronoun in ("first_singular", "first_plural")
            and pronoun.start == named.end + 1
        ):
            speaker = ctx.speaker_at(doc[segment.start].idx)
            if speaker is not None and speaker in ctx.entities:
                me = Party(speaker, ctx.types_of(speaker), pronoun.start, pronoun.end, "first_singular")
                yield _Found(me, P.KNOWS, named, segment, segment.start, "together_with_me", 0.55)


# Passive verbs whose "by" agent, when it is a tool, is something the team runs.
_TOOL_VERBS = frozenset(
    {
        "build",
        "manage",
        "deploy",
        "provision",
        "handle",
        "monitor",
        "orchestrate",
        "automate",
        "power",
        "back",
    }
)


def _done_by_tool(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'The images are built by Packer and Ansible': in a team's own story, the team uses the tools."""
    doc = ctx.doc
    speaker = ctx.speaker_at(doc[segment.start].idx)
    if speaker is None:
        return
    for token in ctx.tokens_with("lower", "by", segment.start, segment.end):
        if token.head.lemma_ not in _TOOL_VERBS or token.head.tag_ != "VBN":
            continue
        if not any(c.dep_ in ("auxpass", "nsubjpass") for c in token.head.children):
            continue
        first = next((p for p in segment.parties if p.start > token.i), None)
        tool_kinds = frozenset({PROJECT, TECH})
        if (
            first is None
            or first.pronoun
            or not _fits(first, tool_kinds)
            or not _gap_is_modifiers(doc, token.i + 1, first.start)
        ):
            continue
        we = Party(_WE + speaker, frozenset({PERSON, ORG}), token.i, token.i + 1, "first_plural")
        for tool in _list_around(segment, doc, first, tool_kinds, +1):
            yield _Found(we, P.USES, tool, segment, token.i, "done_by_tool", 0.5)


def _team_at_org(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'works on the VMware Upstream Kubernetes stability team': the person works at the company."""
    doc = ctx.doc
    for token in ctx.tokens_with("lemma", "work", segment.start, segment.end):
        if token.pos_ != "VERB":
            continue
        nxt = token.i + 1
        if nxt >= segment.end or doc[nxt].lower_ not in ("on", "in", "with"):
            continue
        org = next((p for p in segment.parties if p.start > nxt), None)
        if org is None or ORG not in org.types or not _gap_is_modifiers(doc, nxt + 1, org.start):
            continue
        tail = [doc[i].lower_ for i in range(org.end, min(org.end + 5, segment.end))]
        if "team" not in tail or not all(
            _is_modifier(doc[i]) for i in range(org.end, org.end + tail.index("team"))
        ):
            continue
        for agent in _agents(_TEAM_RULE, segment, doc, token.i, token.i + 1, token, frozenset({PERSON})):
            yield _Found(agent, P.WORKS_AT, org, segment, token.i, "team_at_org", 0.65)


_TEAM_RULE = Rule("team_at_org", (), (P.WORKS_AT,), 0.65)
_REPLACED_RULE = Rule("replaced_with", (), (P.USES,), 0.65)


_OWNED_THING = frozenset({"product", "project", "subproject", "sub-project", "tool", "component", "library"})


def _owner_in_parentheses(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'kubeadm (a SIG Cluster Lifecycle product)': the organisation owns the project."""
    doc = ctx.doc
    parties = segment.parties
    for project, org in zip(parties, parties[1:], strict=False):
        if PROJECT not in project.types or ORG not in org.types or project.pronoun or org.pronoun:
            continue
        gap = [doc[i].lower_ for i in range(project.end, org.start)]
        if gap not in (["("], ["(", "a"], ["(", "an"], ["(", "the"]):
            continue
        if (
            org.end + 1 >= segment.end
            or doc[org.end].lower_ not in _OWNED_THING
            or doc[org.end + 1].text != ")"
        ):
            continue
        yield _Found(org, P.DEVELOPS, project, segment, org.end, "owner_in_parentheses", 0.6)


def _from_our_team(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'built by Hemanth Malla from our team': a colleague of the speaker, at the speaker's employer."""
    doc = ctx.doc
    for party in segment.parties:
        if PERSON not in party.types or party.pronoun or party.end + 3 > segment.end:
            continue
        words = [doc[i].lower_ for i in range(party.end, party.end + 3)]
        if (
            words[0] not in ("from", "on", "in", "of")
            or words[1] != "our"
            or words[2] not in ("team", "group")
        ):
            continue
        speaker = ctx.speaker_at(doc[party.start].idx)
        if speaker is None or speaker == party.key or speaker not in ctx.entities:
            continue
        if ctx.in_quotation(doc[party.start].idx):
            continue
        me = Party(speaker, ctx.types_of(speaker), party.end + 1, party.end + 2, "first_singular")
        we = Party(_WE + speaker, frozenset({PERSON, ORG}), party.end + 1, party.end + 2, "our_team")
        yield _Found(me, P.KNOWS, party, segment, party.end, "from_our_team", 0.6)
        yield _Found(party, P.WORKS_AT, we, segment, party.end, "from_our_team", 0.6)


def _replaced_with(ctx: _Context, segment: Segment) -> Iterable[_Found]:
    """'Trip.com replaced kube-router with BIRD': the team used both, the old tool and the new one.

    Only with the replacement said: "replacing iptables" alone may say what a new tool does away with.
    """
    doc = ctx.doc
    tool_kinds = SIGNATURES[P.USES][1]
    for token in ctx.tokens_with("lemma", "replace", segment.start, segment.end):
        if token.pos_ != "VERB" or _is_tentative(token) or _is_negated(token):
            continue
        old = [p for c in token.children if c.dep_ == "dobj" for p in _subtree_party(segment, c, tool_kinds)]
        replacements = [
            g for c in token.children if c.dep_ == "prep" and c.lower_ == "with" for g in c.children
        ]
        if not old or not any(g.dep_ == "pobj" for g in replacements):
            continue
        new = [p for g in replacements if g.dep_ == "pobj" for p in _subtree_party(segment, g, tool_kinds)]
        agents = _agents(_REPLACED_RULE, segment, doc, token.i, token.i + 1, token, SIGNATURES[P.USES][0])
        for agent in agents:
            for tool in old + new:
                yield _Found(agent, P.USES, tool, segment, token.i, "replaced_with", 0.65)


STRUCTURAL_RULES = (
    _byline_facts,
    _at_org_facts,
    _possessive_develops,
    _heard_at_conference,
    _together_with_me,
    _done_by_tool,
    _team_at_org,
    _replaced_with,
    _from_our_team,
    _owner_in_parentheses,
)
CONFIDENCE = {rule.name: rule.confidence for rule in RULES} | {
    "byline": 0.75,
    "person_project": 0.6,
    "at_org": 0.65,
    "org_possessive": 0.5,
    "project_from_org": 0.5,
    "heard_at": 0.5,
    "project_in_sentence": 0.5,
    "project_of_text": 0.45,
    "together_with_me": 0.55,
    "done_by_tool": 0.5,
    "team_at_org": 0.65,
    "replaced_with": 0.65,
    "from_our_team": 0.6,
    "owner_in_parentheses": 0.6,
    "title_narrator": 0.5,
    "interview": 0.9,
}


# --- assembly -----------------------------------------------------------------------------------


def _team_organisations(found: Sequence[_Found], resolution: Resolution) -> tuple[dict[str, str], str | None]:
    """Who "we" stands for: per speaker, the organisation they work at that the text names most
    (the SIG of a SIG spotlight, the company of a user story); and, for speakers without one, the
    organisation the text itself says uses something, if there is only one.
    """
    mentions = Counter(key for key in resolution.mention_keys if key is not None)
    employers: dict[str, list[str]] = {}
    users: set[str] = set()
    for item in found:
        if item.subject.key.startswith(_WE) or item.object.key.startswith(_WE):
            continue
        if item.predicate is P.WORKS_AT and ORG in item.object.types:
            employers.setdefault(item.subject.key, [])
            if item.object.key not in employers[item.subject.key]:
                employers[item.subject.key].append(item.object.key)
        if item.predicate is P.USES and ORG in item.subject.types and not item.subject.pronoun:
            users.add(item.subject.key)
    teams = {
        speaker: max(orgs, key=lambda org: (mentions[org], -orgs.index(org)))
        for speaker, orgs in employers.items()
    }
    return teams, (next(iter(users)) if len(users) == 1 else None)


def _resolve_we(
    party: Party,
    predicate: Predicate,
    is_subject: bool,
    teams: tuple[dict[str, str], str | None],
    ctx: _Context,
) -> Party | None:
    """The entity "we" stands for in this fact: the team's organisation for `uses`, the speaker for
    `attended` and `knows`; None when the text does not say."""
    if not party.key.startswith(_WE):
        return party
    speaker = party.key[len(_WE) :]
    subjects, objects = SIGNATURES[predicate]
    wanted = subjects if is_subject else objects
    team = teams[0].get(speaker, teams[1])
    if ORG in wanted and team is not None and predicate is P.USES:
        return replace(party, key=team, types=frozenset({ORG}))
    if ORG in wanted and predicate is P.WORKS_AT and party.pronoun == "our_team" and speaker in teams[0]:
        return replace(party, key=teams[0][speaker], types=frozenset({ORG}))  # "X from our team"
    if ORG in wanted and predicate is P.DEVELOPS and ctx.title_organisation is not None:
        # "We own the kube-apiserver" in a spotlight on SIG API Machinery: the group of the title
        return replace(party, key=ctx.title_organisation, types=frozenset({ORG}))
    if PERSON in wanted and predicate in (P.ATTENDED, P.KNOWS) and speaker in ctx.entities:
        return replace(party, key=speaker, types=ctx.types_of(speaker))
    return None


def _evidence(ctx: _Context, segment: Segment) -> Evidence:
    doc, document = ctx.doc, ctx.document
    start_char = doc[segment.start].idx
    last = doc[segment.end - 1]
    end_char = last.idx + len(last.text)
    raw_start, raw_end = document.raw_span(start_char, end_char)
    return Evidence(
        document_id=document.id,
        text=document.raw[raw_start:raw_end],
        start=raw_start,
        end=raw_end,
        date=document.metadata.date,
    )


def _interview_facts(ctx: _Context, segments: list[Segment]) -> list[Fact]:
    """Each interviewee interviewedBy the interviewer, read where the interviewees are introduced."""
    resolution = ctx.resolution
    interviewer = resolution.interviewer
    if interviewer is None or interviewer not in ctx.entities or not resolution.interviewees:
        return []
    wanted = set(resolution.interviewees)
    best: Segment | None = None
    best_count = 0
    for segment in segments:
        count = len({p.key for p in segment.parties if p.key in wanted and not p.pronoun})
        if count > best_count:
            best, best_count = segment, count
    if best is None:
        question = next((t for t in resolution.turns if t.is_question), None)
        if question is not None:
            best = next(
                (s for s in segments if ctx.doc[s.start].idx >= question.start),
                None,
            )
    if best is None:
        return []
    evidence = _evidence(ctx, best)
    facts = []
    for interviewee in resolution.interviewees:
        if interviewee == interviewer or interviewee not in ctx.entities:
            continue
        if not fits_signature(
            P.INTERVIEWED_BY, ctx.entities[interviewee].type, ctx.entities[interviewer].type
        ):
            continue
        facts.append(
            Fact(interviewee, P.INTERVIEWED_BY, interviewer, evidence, CONFIDENCE["interview"], "interview")
        )
    return facts


def find_facts(doc: Doc, document: Document, resolution: Resolution) -> list[Fact]:
    """Facts stated in `document` between the entities of `resolution`; `doc` is nlp(document.text)."""
    ctx = _Context(doc, document, resolution)
    segments = _segments(ctx)
    _fill_parties(ctx, segments)
    tokens = RuleMatcher.columns(doc)
    found: list[_Found] = []
    for segment in segments:
        if not segment.parties:
            continue
        for name, start, end in _RULE_MATCHER(tokens, segment.start, segment.end):
            found.extend(_apply_rule(_RULE_BY_NAME[name], ctx, segment, start, end))
        for structural in STRUCTURAL_RULES:
            found.extend(structural(ctx, segment))

    teams = _team_organisations(found, resolution)
    # One fact per (subject, predicate, object, evidence sentence): the most confident reading wins.
    kept: dict[tuple[str, Predicate, str, int, int], Fact] = {}
    for item in found:
        subject = _resolve_we(item.subject, item.predicate, True, teams, ctx)
        obj = _resolve_we(item.object, item.predicate, False, teams, ctx)
        if subject is None or obj is None or subject.key == obj.key:
            continue
        if subject.key not in ctx.entities or obj.key not in ctx.entities:
            continue
        if not fits_signature(item.predicate, ctx.entities[subject.key].type, ctx.entities[obj.key].type):
            continue
        evidence = _evidence(ctx, item.segment)
        identity = (subject.key, item.predicate, obj.key, evidence.start, evidence.end)
        if identity in kept and kept[identity].confidence >= item.confidence:
            continue
        trigger_char = doc[item.trigger].idx - doc[item.segment.start].idx
        since = None
        if item.predicate not in (P.SPOKE_AT, P.ATTENDED):
            sentence = doc[item.segment.start : item.segment.end].text
            since = time_near(sentence, trigger_char, document.metadata.date)
        kept[identity] = Fact(
            subject.key, item.predicate, obj.key, evidence, item.confidence, item.rule, since
        )
    for fact in _interview_facts(ctx, segments):
        kept.setdefault(
            (fact.subject, fact.predicate, fact.object, fact.evidence.start, fact.evidence.end), fact
        )
    return sorted(
        kept.values(), key=lambda f: (f.evidence.start, f.subject, f.predicate.value, f.object, f.rule)
    )
