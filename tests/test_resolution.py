"""Resolution of hand-made mentions: folding, types, narrator, interviews and turns."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph.records import Block, Document, DocumentMetadata, EntityType, Mention
from graph.resolution import (
    _Cluster,
    _cluster_by_surface,
    _fold_abbreviations,
    abbreviates,
    abbreviation_pairs,
    edit_distance,
    is_question_lead,
    normalise_name,
    resolve,
    speaker_tag,
)
from graph.vocab import entity_key

P, PR, ORG, C, T = (
    EntityType.PERSON,
    EntityType.PROJECT,
    EntityType.ORGANIZATION,
    EntityType.CONFERENCE,
    EntityType.TECHNOLOGY,
)


def document(
    text: str,
    *,
    title: str | None = None,
    authors: tuple[str, ...] = (),
    blocks: tuple[Block, ...] = (),
    source: str = "blog/post.md",
) -> Document:
    return Document(
        id="doc",
        source=source,
        raw=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        metadata=DocumentMetadata(title=title, authors=authors),
        blocks=blocks,
    )


def mentions_of(doc: Document, *spans: tuple[str, EntityType] | tuple[str, EntityType, str]) -> list[Mention]:
    """Mentions of each (text, type[, source]) at its next free occurrence in the document."""
    found: list[Mention] = []
    for span in spans:
        text, kind = span[0], span[1]
        source = span[2] if len(span) > 2 else "ner"
        start = doc.text.index(text)
        while any(m.start < start + len(text) and start < m.end for m in found):
            start = doc.text.index(text, start + 1)
        found.append(Mention(text, kind, start, start + len(text), start, start + len(text), source))
    return sorted(found, key=lambda m: m.start)


def names(doc: Document, mentions: list[Mention]) -> dict[str, tuple[EntityType, tuple[str, ...]]]:
    return {e.name: (e.type, e.aliases) for e in resolve(doc, mentions).entities}


def test_first_name_after_full_name_is_the_same_person() -> None:
    doc = document("Thomas Graf created Cilium. Thomas still reviews code.")
    result = resolve(doc, mentions_of(doc, ("Thomas Graf", P), ("Cilium", PR, "gazetteer"), ("Thomas", P)))
    thomas = next(e for e in result.entities if e.type is P)
    assert (thomas.name, thomas.aliases, thomas.key) == ("Thomas Graf", ("Thomas",), "person/thomas-graf")
    assert result.mention_keys == ("person/thomas-graf", "project/cilium", "person/thomas-graf")


def test_shared_first_name_goes_to_the_closest_full_name_before_it() -> None:
    doc = document("Kunal Verma met Kunal Kushwaha. Later Kunal said hi.")
    got = names(doc, mentions_of(doc, ("Kunal Verma", P), ("Kunal Kushwaha", P), ("Kunal", P)))
    assert got == {"Kunal Verma": (P, ()), "Kunal Kushwaha": (P, ("Kunal",))}


def test_case_variants_fold_into_one_entity() -> None:
    doc = document("Containerd is here; containerd is there; containerd again.")
    got = names(doc, mentions_of(doc, ("Containerd", PR), ("containerd", PR), ("containerd", PR)))
    assert got == {"containerd": (PR, ("Containerd",))}


def test_abbreviation_and_expansion_from_the_list_fold() -> None:
    doc = document("The Cloud Native Computing Foundation (CNCF) hosts it. The CNCF is big.")
    got = names(
        doc, mentions_of(doc, ("Cloud Native Computing Foundation", ORG), ("CNCF", ORG), ("CNCF", ORG))
    )
    assert got == {"Cloud Native Computing Foundation": (ORG, ("CNCF",))}


def test_acronym_of_capitals_folds_when_both_occur() -> None:
    doc = document("We built Dynamic Resource Allocation. DRA is now beta.")
    got = names(doc, mentions_of(doc, ("Dynamic Resource Allocation", PR), ("DRA", PR)))
    assert got == {"Dynamic Resource Allocation": (PR, ("DRA",))}


def test_acronym_without_its_expansion_stays_alone() -> None:
    doc = document("The CNCF hosts it.")
    assert names(doc, mentions_of(doc, ("CNCF", ORG))) == {"CNCF": (ORG, ())}


def test_misspellings_of_a_more_frequent_name_fold() -> None:
    doc = document("Kubernetes and Kubernetes and Kubernets; Cilium, Cilium and Cilum.")
    got = names(
        doc,
        mentions_of(
            doc,
            ("Kubernetes", PR),
            ("Kubernetes", PR),
            ("Kubernets", PR),
            ("Cilium", PR),
            ("Cilium", PR),
            ("Cilum", PR),
        ),
    )
    assert got == {"Kubernetes": (PR, ("Kubernets",)), "Cilium": (PR, ("Cilum",))}


def test_names_that_differ_only_in_digits_stay_apart() -> None:
    doc = document("KubeCon 2022 and KubeCon 2022 and KubeCon 2023.")
    got = names(doc, mentions_of(doc, ("KubeCon 2022", C), ("KubeCon 2022", C), ("KubeCon 2023", C)))
    assert set(got) == {"KubeCon 2022", "KubeCon 2023"}


def test_committee_short_name_folds_into_the_full_one() -> None:
    doc = document("The Kubernetes Steering Committee met. The Steering Committee voted.")
    got = names(
        doc, mentions_of(doc, ("Kubernetes Steering Committee", ORG, "rule"), ("Steering Committee", ORG))
    )
    assert got == {"Kubernetes Steering Committee": (ORG, ("Steering Committee",))}


def test_sig_spellings_are_normalised() -> None:
    assert normalise_name("SIG-Node") == "SIG Node"
    assert normalise_name("  SIG \n Node ") == "SIG Node"


def test_gazetteer_type_outvotes_the_model() -> None:
    doc = document("Cilium is great. Cilium is fast. Cilium scales.")
    got = names(doc, mentions_of(doc, ("Cilium", P), ("Cilium", PR, "gazetteer"), ("Cilium", ORG)))
    assert got == {"Cilium": (PR, ())}


def test_handles_after_a_name_belong_to_that_person() -> None:
    doc = document("Benjamin Elder (@BenTheElder) and Liz Rice work on it.")
    result = resolve(doc, mentions_of(doc, ("Benjamin Elder", P), ("Liz Rice", P)))
    handles = {e.name: e.handles for e in result.entities}
    assert handles == {"Benjamin Elder": ("BenTheElder",), "Liz Rice": ()}


def test_github_profile_link_in_raw_is_a_handle() -> None:
    raw = "Talk to [Ada Lovelace](https://github.com/adal) today."
    text = "Talk to Ada Lovelace today."
    offsets = (*range(0, 8), *range(9, 21), *range(46, len(raw) + 1))
    doc = Document(id="d", source="d.md", raw=raw, text=text, offsets=offsets)
    mention = Mention("Ada Lovelace", P, 8, 20, 9, 21, "ner")
    assert resolve(doc, [mention]).entities[0].handles == ("adal",)


def test_narrator_is_the_front_matter_author() -> None:
    doc = document(
        "Frederico Muñoz (SAS Institute)\n\nI love etcd.", authors=("Frederico Muñoz (SAS Institute)",)
    )
    result = resolve(doc, mentions_of(doc, ("Frederico Muñoz", P, "front_matter")))
    assert result.narrator == "person/frederico-munoz"


def test_narrator_from_a_byline() -> None:
    doc = document("Written by Jane Doe\n\nI started in 2017. My first PR was small. It taught me a lot.")
    result = resolve(doc, mentions_of(doc, ("Jane Doe", P)))
    assert result.narrator == "person/jane-doe"


def test_unnamed_first_person_narrator_is_the_author_of_the_source() -> None:
    doc = document("I joined in 2017. My mentor helped me. I stayed.", source="cilium-blog/x.md")
    result = resolve(doc, [])
    assert result.narrator == entity_key(P, "Author of cilium-blog/x.md")
    assert [(e.name, e.type) for e in result.entities] == [("Author of cilium-blog/x.md", P)]


def test_third_person_text_has_no_narrator() -> None:
    doc = document("Cilium joined the CNCF. The project grew. It has many users.")
    assert resolve(doc, []).narrator is None


def test_interviewee_from_a_meet_the_maintainer_title() -> None:
    doc = document(
        "Meet the Maintainer: Chris Tarazi\n\nChris Tarazi works on Cilium.",
        title="Meet the Maintainer: Chris Tarazi",
    )
    result = resolve(doc, mentions_of(doc, ("Chris Tarazi", P), ("Chris Tarazi", P)))
    assert result.interviewees == ("person/chris-tarazi",)


def test_spotlight_on_a_group_has_no_person_interviewee() -> None:
    doc = document("Spotlight on SIG Node\n\nSIG Node owns the kubelet.", title="Spotlight on SIG Node")
    result = resolve(doc, mentions_of(doc, ("SIG Node", ORG, "rule"), ("SIG Node", ORG, "rule")))
    assert result.interviewees == ()


def bold_name_interview() -> Document:
    text = (
        "Arpit Agrawal\n\nArpit: Who are you?\n\nMatthias: I am Matthias Bertschy.\n\n"
        "M/G/S: We all work on it.\n\nArpit: Thanks!"
    )
    starts = [text.index(s) for s in ("Arpit Agrawal", "Arpit:", "Matthias:", "M/G/S:", "Arpit: Thanks")]
    blocks = (
        Block("author", starts[0], starts[0] + 13),
        Block("paragraph", starts[1], starts[1] + 19, lead="Arpit:"),
        Block("paragraph", starts[2], starts[2] + 32, lead="Matthias:"),
        Block("paragraph", starts[3], starts[3] + 25, lead="M/G/S:"),
        Block("paragraph", starts[4], len(text), lead="Arpit:"),
    )
    return document(text, authors=("Arpit Agrawal",), blocks=blocks)


def test_bold_name_turns_have_speakers_and_the_author_asks() -> None:
    doc = bold_name_interview()
    mentions = mentions_of(
        doc,
        ("Arpit Agrawal", P, "front_matter"),
        ("Arpit", P, "lead"),
        ("Matthias", P, "lead"),
        ("Matthias Bertschy", P),
    )
    result = resolve(doc, mentions)
    assert result.interviewer == "person/arpit-agrawal"
    assert result.interviewees == ("person/matthias-bertschy",)
    speakers = [(t.speaker, t.is_question) for t in result.turns]
    assert speakers == [
        ("person/arpit-agrawal", True),
        ("person/matthias-bertschy", False),
        ("person/arpit-agrawal", True),
    ]
    group_turn_start = doc.text.index("M/G/S:")
    assert not any(t.start == group_turn_start for t in result.turns)
    matthias = next(t for t in result.turns if not t.is_question)
    assert doc.text[matthias.start : matthias.end].startswith("Matthias: I am")
    assert matthias.end == group_turn_start


def test_bold_question_turns_go_to_the_one_interviewee() -> None:
    text = "Why Cilium? Because of eBPF.\n\nWhat next? More eBPF."
    q2 = text.index("What next?")
    blocks = (
        Block("paragraph", 0, 28, lead="Why Cilium?"),
        Block("paragraph", q2, len(text), lead="What next?"),
    )
    doc = Document(
        id="d",
        source="d.md",
        raw=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        metadata=DocumentMetadata(title="Meet the Maintainer: Chris Tarazi", authors=("Bill Mulligan",)),
        blocks=blocks,
    )
    result = resolve(doc, [])
    chris, bill = "person/chris-tarazi", "person/bill-mulligan"
    assert result.interviewees == (chris,)
    assert [(t.speaker, t.is_question, text[t.start : t.end].strip()) for t in result.turns] == [
        (bill, True, "Why Cilium?"),
        (chris, False, "Because of eBPF."),
        (bill, True, "What next?"),
        (chris, False, "More eBPF."),
    ]


def test_explicit_interviewer_line_names_the_interviewer() -> None:
    doc = document("Interviewed by: Jane Doe\n\nSome text.")
    result = resolve(doc, mentions_of(doc, ("Jane Doe", P)))
    assert result.interviewer == "person/jane-doe"


def test_resolution_is_deterministic() -> None:
    doc = bold_name_interview()
    mentions = mentions_of(
        doc, ("Arpit Agrawal", P, "front_matter"), ("Arpit", P, "lead"), ("Matthias", P, "lead")
    )
    assert resolve(doc, mentions) == resolve(doc, list(mentions))


def test_edit_distance() -> None:
    assert edit_distance("kubernets", "kubernetes") == 1
    assert edit_distance("cilum", "cilium") == 1
    assert edit_distance("abc", "xyz") == 3


def test_speaker_tags_in_and_after_the_bold_run() -> None:
    text = "Ben: I started.\n\nSandipan: Can you tell us more?\n\nGetting Started:"
    blocks = (
        Block("paragraph", 0, 15, lead="Ben"),
        Block("paragraph", 17, 48, lead="Sandipan: Can you tell us more?"),
        Block("paragraph", 50, len(text), lead="Getting Started:"),
    )
    doc = document(text, blocks=blocks)
    assert [speaker_tag(doc, b) for b in blocks] == [("Ben", 0), ("Sandipan", 17), None]
    assert [is_question_lead(b) for b in blocks] == [False, True, False]


def test_the_speaker_who_asks_is_the_interviewer() -> None:
    text = "Sandipan: Who are you?\n\nBen: I am Ben.\n\nSandipan: Why Steering?\n\nBen: To help."
    starts = [0, 24, 40, 65]
    ends = [22, 38, 63, len(text)]
    leads = ["Sandipan: Who are you?", "Ben", "Sandipan: Why Steering?", "Ben"]
    blocks = tuple(
        Block("paragraph", s, e, lead=lead) for s, e, lead in zip(starts, ends, leads, strict=True)
    )
    doc = document(text, authors=("Arpit Agrawal",), blocks=blocks)
    result = resolve(doc, mentions_of(doc, ("Sandipan", P, "lead"), ("Ben", P, "lead")))
    assert result.interviewer == "person/sandipan"
    assert result.interviewees == ("person/ben",)
    assert [t.is_question for t in result.turns] == [True, False, True, False]


def test_answers_in_turns_do_not_make_an_unnamed_narrator() -> None:
    text = "What got you started? I was curious and my friend helped me.\n\nWhat next? I will rest."
    q2 = text.index("What next?")
    blocks = (
        Block("paragraph", 0, q2 - 2, lead="What got you started?"),
        Block("paragraph", q2, len(text), lead="What next?"),
    )
    doc = Document(
        id="d",
        source="d.md",
        raw=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        metadata=DocumentMetadata(title="Meet the Maintainer - Laurent Bernaille"),
        blocks=blocks,
    )
    result = resolve(doc, [])
    assert result.narrator is None
    assert result.interviewees == ("person/laurent-bernaille",)
    assert {t.speaker for t in result.turns} == {"person/laurent-bernaille"}


def test_short_first_name_folds_into_the_one_person_it_begins() -> None:
    doc = document("Benjamin Elder joined. Ben said hello.")
    got = names(doc, mentions_of(doc, ("Benjamin Elder", P), ("Ben", P, "lead")))
    assert got == {"Benjamin Elder": (P, ("Ben",))}


def test_cut_full_name_folds_into_the_longer_one() -> None:
    doc = document("Rajula Vineeth Reddy works at CERN. Rajula Vineeth likes it.")
    got = names(doc, mentions_of(doc, ("Rajula Vineeth Reddy", P), ("Rajula Vineeth", P)))
    assert got == {"Rajula Vineeth Reddy": (P, ("Rajula Vineeth",))}


def test_model_typed_first_name_folds_into_the_person() -> None:
    doc = document("Madhav Jivarajani works at VMware. Madhav helps newcomers.")
    got = names(
        doc, mentions_of(doc, ("Madhav Jivarajani", P), ("VMware", ORG, "gazetteer"), ("Madhav", ORG))
    )
    assert got == {"Madhav Jivarajani": (P, ("Madhav",)), "VMware": (ORG, ())}


def test_last_word_of_an_organisation_folds_into_it() -> None:
    doc = document("DB Schenker runs Kafka. Schenker migrated.")
    got = names(doc, mentions_of(doc, ("DB Schenker", ORG), ("Schenker", ORG)))
    assert got == {"DB Schenker": (ORG, ("Schenker",))}


def test_also_known_as_names_a_handle() -> None:
    doc = document("Hi, I'm Benjamin Elder, also known as BenTheElder. I work at Google.")
    result = resolve(doc, mentions_of(doc, ("Benjamin Elder", P)))
    assert result.entities[0].handles == ("BenTheElder",)


def test_a_link_elsewhere_is_not_a_handle() -> None:
    raw = "Maciej Szulik leads it, see https://github.com/kubernetes/kubectl for the code."
    doc = Document(id="d", source="d.md", raw=raw, text=raw, offsets=tuple(range(len(raw) + 1)))
    result = resolve(doc, mentions_of(doc, ("Maciej Szulik", P)))
    assert result.entities[0].handles == ()


def test_initials_tag_names_the_person_with_those_first_and_last_initials() -> None:
    text = "Frederico Sierra Muñoz\n\nFrederico (FSM): Who are you?\n\nFSM: And why?\n\nXing: I am Xing Yang."
    starts = [text.index(s) for s in ("Frederico (FSM)", "FSM:", "Xing:")]
    blocks = (
        Block("author", 0, 22),
        Block("paragraph", starts[0], starts[1] - 2, lead="Frederico (FSM): Who are you?"),
        Block("paragraph", starts[1], starts[2] - 2, lead="FSM: And why?"),
        Block("paragraph", starts[2], len(text), lead="Xing:"),
    )
    doc = document(text, authors=("Frederico Sierra Muñoz",), blocks=blocks)
    mentions = mentions_of(
        doc,
        ("Frederico Sierra Muñoz", P, "front_matter"),
        ("Frederico", P, "lead"),
        ("Xing", P, "lead"),
        ("Xing Yang", P),
    )
    result = resolve(doc, mentions)
    speakers = [(t.speaker, t.is_question) for t in result.turns]
    assert speakers == [
        ("person/frederico-sierra-munoz", True),
        ("person/frederico-sierra-munoz", True),
        ("person/xing-yang", False),
    ]
    assert not any(e.name == "FSM" for e in result.entities)


def test_person_shaped_name_the_model_typed_otherwise_becomes_the_speaker() -> None:
    doc = document("Maciej: Hello.\n\nThe chairs are Maciej Szulik and Janet Kuo.")
    mentions = mentions_of(doc, ("Maciej", P, "lead"), ("Maciej Szulik", ORG), ("Janet Kuo", P))
    got = names(doc, mentions)
    assert got == {"Maciej Szulik": (P, ("Maciej",)), "Janet Kuo": (P, ())}


@given(st.text(max_size=40))
def test_normalise_name_is_idempotent(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60), st.text(max_size=20))
def test_speaker_tag_points_at_its_name(body: str, lead: str) -> None:
    text = lead + body
    doc = document(text, blocks=(Block("paragraph", 0, len(text), lead=lead),)) if text else document("x")
    for block in doc.blocks:
        tag = speaker_tag(doc, block)
        if tag is not None:
            name, start = tag
            assert doc.text[start : start + len(name)] == name


def test_lone_unknown_word_only_the_model_calls_a_person_is_dropped() -> None:
    doc = document("Enroll now. Linus wrote it.")
    result = resolve(doc, mentions_of(doc, ("Enroll", P), ("Linus", P)))
    assert [e.name for e in result.entities] == ["Linus"]
    assert result.mention_keys == (None, "person/linus")


def test_lone_unknown_word_that_speaks_is_kept() -> None:
    text = "Nabarun: I review code."
    doc = document(text, blocks=(Block("paragraph", 0, len(text), lead="Nabarun:"),))
    result = resolve(doc, mentions_of(doc, ("Nabarun", P)))
    assert [e.name for e in result.entities] == ["Nabarun"]


def test_short_forms_of_names() -> None:
    assert abbreviates("SIG ContribEx", "SIG Contributor Experience")
    assert abbreviates("KCS EU", "Kubernetes Contributor Summit EU 2023")
    assert abbreviates("TOC", "Technical Oversight Committee")
    assert abbreviates("GKE", "Google Kubernetes Engine")
    assert not abbreviates("SIG Node", "SIG Network")
    assert not abbreviates("Cilium", "Cilium CLI")
    assert not abbreviates("KCS CN", "Kubernetes Contributor Summit EU 2023")


def test_compressed_sig_name_folds_into_the_full_one() -> None:
    doc = document("SIG Contributor Experience runs it; SIG ContribEx meets weekly.")
    got = names(
        doc, mentions_of(doc, ("SIG Contributor Experience", ORG, "rule"), ("SIG ContribEx", ORG, "rule"))
    )
    assert got == {"SIG Contributor Experience": (ORG, ("SIG ContribEx",))}


def test_series_name_folds_into_its_only_edition() -> None:
    doc = document("At the 2023 KubeCon we met. KubeCon was busy.")
    got = names(doc, mentions_of(doc, ("2023 KubeCon", C, "rule"), ("KubeCon", C, "gazetteer")))
    assert got == {"2023 KubeCon": (C, ("KubeCon",))}


def test_series_name_with_two_editions_stays_apart() -> None:
    doc = document("KubeCon EU 2022 and KubeCon NA 2023; KubeCon is big.")
    mentions = mentions_of(doc, ("KubeCon EU 2022", C), ("KubeCon NA 2023", C), ("KubeCon", C))
    assert set(names(doc, mentions)) == {"KubeCon EU 2022", "KubeCon NA 2023", "KubeCon"}


def test_narrator_from_a_closing_signature_line() -> None:
    text = (
        "I joined the project in 2017. My first patch was small and I learned a lot.\n\nJane Doe, Isovalent"
    )
    doc = Document(
        id="d",
        source="d.md",
        raw=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        blocks=(Block("paragraph", 0, 75), Block("paragraph", 77, len(text))),
    )
    assert resolve(doc, []).narrator == "person/jane-doe"


SHORT_AND_LONG_FORMS = [
    "CNCF", "Cloud Native Computing Foundation", "TOC", "Technical Oversight Committee", "SIG ContribEx",
    "SIG Contributor Experience", "KCS EU", "KCS", "Kubernetes Contributor Summit EU 2023", "K8s",
    "Kubernetes", "KubeCon", "KubeCon EU", "Cilium", "CNI", "Container Network Interface",
    "Cloud Native Foundation",
]  # fmt: skip


def _fold_abbreviations_pair_by_pair(clusters: list[_Cluster]) -> list[_Cluster]:
    """The fold as first written: every pair of clusters, names recomputed each time."""
    merged: set[int] = set()
    for cluster in clusters:
        if id(cluster) in merged:
            continue
        longer = [
            c
            for c in clusters
            if c is not cluster
            and id(c) not in merged
            and abbreviates(cluster.name, c.name)
            and (c.type is cluster.type or abbreviation_pairs().get(cluster.name.casefold()) is not None)
        ]
        if len(longer) == 1:
            longer[0].absorb(cluster)
            merged.add(id(cluster))
    return [c for c in clusters if id(c) not in merged]


TYPED_FORMS = st.tuples(st.sampled_from(SHORT_AND_LONG_FORMS), st.sampled_from([P, PR, ORG, C, T]))


@given(st.lists(TYPED_FORMS, max_size=12))
def test_abbreviations_fold_as_when_every_pair_was_compared(forms: list[tuple[str, EntityType]]) -> None:
    mentions, position = [], 0
    for name, kind in forms:
        end = position + len(name)
        mentions.append(Mention(name, kind, position, end, position, end, "ner"))
        position = end + 1

    def summary(clusters: list[_Cluster]) -> list[tuple[str, EntityType, list[int]]]:
        return [(c.name, c.type, sorted(c.members)) for c in clusters]

    expected = summary(_fold_abbreviations_pair_by_pair(_cluster_by_surface(mentions)))
    assert summary(_fold_abbreviations(_cluster_by_surface(mentions))) == expected


def test_a_short_form_folds_into_its_one_long_form() -> None:
    doc = document("The Cloud Native Computing Foundation (CNCF) hosts Kubernetes. CNCF runs KubeCon.")
    mentions = mentions_of(
        doc, ("Cloud Native Computing Foundation", ORG), ("CNCF", ORG), ("Kubernetes", PR), ("CNCF", ORG)
    )
    names = [(c.name, sorted(c.members)) for c in _fold_abbreviations(_cluster_by_surface(mentions))]
    assert ("Cloud Native Computing Foundation", [0, 1, 3]) in names
