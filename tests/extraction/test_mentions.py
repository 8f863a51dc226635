"""Mentions found in small hand-written texts, one rule per test."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from graph.documents import read_document
from graph.extraction.mentions import find_mentions, looks_like_a_persons_name
from graph.extraction.pipeline import build_nlp, gazetteer, ruler_patterns, stoplist, surface_forms
from graph.records import Block, Document, DocumentMetadata, EntityType, Mention

pytestmark = pytest.mark.slow


def document(text: str, *, blocks: tuple[Block, ...] = (), authors: tuple[str, ...] = ()) -> Document:
    return Document(
        id="t",
        source="t.md",
        raw=text,
        text=text,
        offsets=tuple(range(len(text) + 1)),
        metadata=DocumentMetadata(authors=authors),
        blocks=blocks,
    )


def found(nlp: Language, text: str, **kwargs: object) -> dict[str, EntityType]:
    doc = document(text, **kwargs)  # type: ignore[arg-type]
    return {m.text: m.type for m in find_mentions(nlp(doc.text), doc)}


def test_build_nlp_is_built_once_with_the_ruler_before_the_model(nlp: Language) -> None:
    assert build_nlp() is nlp
    assert nlp.pipe_names.index("entity_ruler") < nlp.pipe_names.index("ner")


def test_gazetteer_names_win_over_the_model_labels(nlp: Language) -> None:
    names = found(nlp, "Datadog runs Cilium on Kubernetes with eBPF and XDP.")
    assert names == {
        "Datadog": EntityType.ORGANIZATION,
        "Cilium": EntityType.PROJECT,
        "Kubernetes": EntityType.PROJECT,
        "eBPF": EntityType.TECHNOLOGY,
        "XDP": EntityType.TECHNOLOGY,
    }


def test_lower_case_and_hyphenated_project_names_are_found(nlp: Language) -> None:
    names = found(nlp, "We replaced kube-proxy and moved from Docker to containerd and CRI-O.")
    assert names["kube-proxy"] is EntityType.PROJECT
    assert names["containerd"] is EntityType.PROJECT
    assert names["CRI-O"] is EntityType.PROJECT


def test_case_variants_of_listed_names_are_found(nlp: Language) -> None:
    names = found(nlp, "Containerd is the runtime, and we deploy cilium everywhere.")
    assert names == {"Containerd": EntityType.PROJECT, "cilium": EntityType.PROJECT}


def test_platforms_and_programmes_are_never_mentions(nlp: Language) -> None:
    names = found(
        nlp,
        "Join us on Slack, GitHub and YouTube; I joined through Google Summer of Code "
        "and the LFX Mentorship with Liz Rice.",
    )
    assert names == {"Liz Rice": EntityType.PERSON}


def test_kubernetes_api_kinds_are_never_mentions(nlp: Language) -> None:
    assert "NetworkPolicy" not in found(nlp, "Write a NetworkPolicy for every Pod in the Deployment.")


def test_sigs_working_groups_and_committees_are_organizations(nlp: Language) -> None:
    names = found(
        nlp,
        "She chairs SIG Node, helps WG Batch and SIG-Testing, and sits on the "
        "Kubernetes Steering Committee and the Code of Conduct Committee.",
    )
    assert names["SIG Node"] is EntityType.ORGANIZATION
    assert names["WG Batch"] is EntityType.ORGANIZATION
    assert names["SIG-Testing"] is EntityType.ORGANIZATION
    assert names["Kubernetes Steering Committee"] is EntityType.ORGANIZATION
    assert names["Code of Conduct Committee"] is EntityType.ORGANIZATION


def test_conference_editions_keep_region_and_year(nlp: Language) -> None:
    names = found(nlp, "I spoke at KubeCon EU 2022, then at DockerCon 2017 and at the 2023 KubeCon.")
    assert names == {
        "KubeCon EU 2022": EntityType.CONFERENCE,
        "DockerCon 2017": EntityType.CONFERENCE,
        "2023 KubeCon": EntityType.CONFERENCE,
    }


def test_possessive_and_leading_article_are_trimmed(nlp: Language) -> None:
    doc = document("Kubernetes' scheduler and the Cloud Native Computing Foundation's board met.")
    mentions = find_mentions(nlp(doc.text), doc)
    assert [m.text for m in mentions] == ["Kubernetes", "Cloud Native Computing Foundation"]


def test_dates_places_and_numbers_are_dropped(nlp: Language) -> None:
    names = found(nlp, "In March 2021 in Paris, 300 people met Thomas Graf.")
    assert names == {"Thomas Graf": EntityType.PERSON}


def test_bold_name_leads_are_people(nlp: Language) -> None:
    text = "Arpit: What do you do?\n\nNabarun: I review code.\n\nM/G/S: We all do."
    blocks = (
        Block("paragraph", 0, 22, lead="Arpit:"),
        Block("paragraph", 24, 48, lead="Nabarun:"),
        Block("paragraph", 50, len(text), lead="M/G/S:"),
    )
    doc = document(text, blocks=blocks)
    mentions = [m for m in find_mentions(nlp(doc.text), doc) if m.source == "lead"]
    assert [(m.text, m.start, m.type) for m in mentions] == [
        ("Arpit", 0, EntityType.PERSON),
        ("Nabarun", 24, EntityType.PERSON),
    ]


def test_bold_questions_are_not_people(nlp: Language) -> None:
    text = "What got you started? I was curious."
    doc = document(text, blocks=(Block("paragraph", 0, len(text), lead="What got you started?"),))
    assert [m for m in find_mentions(nlp(doc.text), doc) if m.source == "lead"] == []


def test_front_matter_authors_are_people(nlp: Language) -> None:
    text = "Frederico Muñoz (SAS Institute)\n\nThe etcd project is busy."
    doc = document(text, blocks=(Block("author", 0, 31),), authors=("Frederico Muñoz (SAS Institute)",))
    mentions = find_mentions(nlp(doc.text), doc)
    assert Mention("Frederico Muñoz", EntityType.PERSON, 0, 15, 0, 15, "front_matter") in mentions


def test_mentions_map_to_raw_offsets(nlp: Language) -> None:
    raw = "Meet **Thomas Graf** of Isovalent."
    text = "Meet Thomas Graf of Isovalent."
    offsets = (*range(0, 5), *range(7, 18), *range(20, len(raw) + 1))
    doc = Document(id="t", source="t.md", raw=raw, text=text, offsets=offsets)
    for mention in find_mentions(nlp(doc.text), doc):
        assert raw[mention.raw_start : mention.raw_end] == mention.text


def test_mentions_are_ordered_and_do_not_overlap(nlp: Language) -> None:
    doc = document("Cilium and Hubble run on Linux kernel 5.10 at Google; Thomas Graf built Cilium.")
    mentions = find_mentions(nlp(doc.text), doc)
    assert mentions == sorted(mentions, key=lambda m: (m.start, m.end))
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


def test_hand_written_gazetteer_entries_match_case_variants() -> None:
    entry = next(e for e in gazetteer() if e.name == "Kubernetes")
    assert {"Kubernetes", "kubernetes"} <= surface_forms(entry)
    exact = next(e for e in gazetteer() if e.name == "Go")
    assert surface_forms(exact) == {"Go"}


def test_stoplist_names_never_become_typed_patterns() -> None:
    typed = {
        p["pattern"].casefold()
        for p in ruler_patterns()
        if isinstance(p["pattern"], str) and p["label"] != "STOP"
    }
    assert not typed & stoplist()


def test_names_broken_across_lines_are_found(nlp: Language) -> None:
    doc = document("She chairs the Technical\nOversight Committee and runs Google Kubernetes\nEngine.")
    mentions = find_mentions(nlp(doc.text), doc)
    assert [(m.text, m.type) for m in mentions] == [
        ("Technical\nOversight Committee", EntityType.ORGANIZATION),
        ("Google Kubernetes\nEngine", EntityType.PROJECT),
    ]


def test_soft_line_breaks_keep_every_offset(nlp: Language) -> None:
    text = "Marek\nSiarkowicz leads\nSIG etcd.\n\nNext paragraph."
    doc = nlp(text)
    assert len(doc.text) == len(text)
    assert all(text[t.idx : t.idx + len(t.text)] == t.text for t in doc if not t.is_space)


def test_listed_english_words_do_not_match_at_sentence_start(nlp: Language) -> None:
    assert "Go" not in found(nlp, "Go ahead and apply for the programme.")
    assert found(nlp, "The agent is written in Go.")["Go"] is EntityType.TECHNOLOGY


def test_listed_company_inside_a_longer_name_is_not_matched(nlp: Language) -> None:
    assert "Kong" not in found(nlp, "We met in Hong Kong last year.")


def test_credit_lines_name_people(nlp: Language) -> None:
    text = "Authors & Interviewers: Anubhav Vardhan, Atharva Shinde and Avinesh Tripathi"
    doc = document(text, blocks=(Block("paragraph", 0, len(text), lead="Authors & Interviewers:"),))
    people = {m.text for m in find_mentions(nlp(doc.text), doc) if m.type is EntityType.PERSON}
    assert people == {"Anubhav Vardhan", "Atharva Shinde", "Avinesh Tripathi"}


def test_singular_credit_line_names_one_person_then_the_company(nlp: Language) -> None:
    text = "Author: Amir Kheirkhahan, DB Schenker"
    doc = document(text, blocks=(Block("paragraph", 0, len(text)),))
    mentions = find_mentions(nlp(doc.text), doc)
    assert ("Amir Kheirkhahan", EntityType.PERSON) in {(m.text, m.type) for m in mentions}
    assert not any(m.text == "DB Schenker" and m.type is EntityType.PERSON for m in mentions)


def test_profile_heading_over_a_paragraph_about_them_is_a_person(nlp: Language) -> None:
    text = "Arsh Sharma\n\nArsh is employed as an engineer."
    doc = document(text, blocks=(Block("heading", 0, 11), Block("paragraph", 13, len(text))))
    mentions = find_mentions(nlp(doc.text), doc)
    assert Mention("Arsh Sharma", EntityType.PERSON, 0, 11, 0, 11, "rule") in mentions


def test_list_item_with_a_note_in_brackets_is_a_person(nlp: Language) -> None:
    text = "The team:\n\nDivine Odazie (Developer Relations)"
    doc = document(text, blocks=(Block("paragraph", 0, 9), Block("list_item", 11, len(text))))
    assert ("Divine Odazie", EntityType.PERSON) in {
        (m.text, m.type) for m in find_mentions(nlp(doc.text), doc)
    }


def test_self_introductions_give_full_names(nlp: Language) -> None:
    names = found(nlp, "My name is Matthias Bertschy, I am French and live near the Alps.")
    assert names.get("Matthias Bertschy") is EntityType.PERSON
    assert "French" not in names


def test_listed_company_followed_by_product_words_is_a_project(nlp: Language) -> None:
    names = found(nlp, "We checked it in Google Search Console every week.")
    assert names == {"Google Search Console": EntityType.PROJECT}


def test_roles_are_not_names(nlp: Language) -> None:
    names = found(nlp, "He is a SIG etcd Tech Lead and a Senior Engineer.")
    assert names == {"SIG etcd": EntityType.ORGANIZATION}


def test_label_leads_over_lists_are_not_speakers(nlp: Language) -> None:
    text = "Code Contributions:\n\nfix code and write contributions."
    doc = document(text, blocks=(Block("paragraph", 0, 19, lead="Code Contributions"),))
    assert [m for m in find_mentions(nlp(doc.text), doc) if m.source == "lead"] == []


def test_speaker_tag_with_the_colon_outside_the_bold_run(nlp: Language) -> None:
    text = "Ben: I started in 2015."
    doc = document(text, blocks=(Block("paragraph", 0, len(text), lead="Ben"),))
    leads = [(m.text, m.start) for m in find_mentions(nlp(doc.text), doc) if m.source == "lead"]
    assert leads == [("Ben", 0)]


def test_rules_never_run_across_a_blank_line(nlp: Language) -> None:
    text = "About SIG Storage\n\nFrederico: Hello."
    doc = document(
        text, blocks=(Block("heading", 0, 17), Block("paragraph", 19, len(text), lead="Frederico:"))
    )
    mentions = {(m.text, m.type) for m in find_mentions(nlp(doc.text), doc)}
    assert ("SIG Storage", EntityType.ORGANIZATION) in mentions
    assert ("Frederico", EntityType.PERSON) in mentions
    assert not any(kind is EntityType.ORGANIZATION and "Frederico" in name for name, kind in mentions)


def test_event_places_are_not_entities(nlp: Language) -> None:
    names = found(nlp, "We met at KubeCon EU 2023 in Amsterdam and again in Valencia.")
    assert names == {"KubeCon EU 2023": EntityType.CONFERENCE}


def test_lone_heading_the_model_calls_a_name_is_a_section_title(nlp: Language) -> None:
    text = "Problem Statement\n\nThe docs were hard to read for new users."
    doc = document(text, blocks=(Block("heading", 0, 17), Block("paragraph", 19, len(text))))
    assert [m for m in find_mentions(nlp(doc.text), doc) if m.type is EntityType.PERSON] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            ["a", "b", " ", "\n", ":", "*", ".", ",", "'", "Node", "Cilium", "Thomas Graf", "SIG "]
        ),
        max_size=30,
    ).map("".join)
)
def test_mentions_are_well_formed_on_any_text(nlp: Language, text: str) -> None:
    doc = document(text, blocks=(Block("paragraph", 0, len(text), lead=text[:10] or None),))
    mentions = find_mentions(nlp(doc.text), doc)
    for mention in mentions:
        assert 0 <= mention.start < mention.end <= len(text)
        assert doc.text[mention.start : mention.end] == mention.text
        assert doc.raw[mention.raw_start : mention.raw_end] == mention.text
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


def test_names_opening_with_a_given_name_read_as_people() -> None:
    assert looks_like_a_persons_name("Linus Torvalds", frozenset())
    assert not looks_like_a_persons_name("Grace Hopper Institute", frozenset())
    assert not looks_like_a_persons_name("General Availability", frozenset({"availability"}))
    assert not looks_like_a_persons_name("Datadog Cloud", frozenset())


def test_tokenizer_survives_pickling_for_worker_processes(nlp: Language) -> None:
    tokenizer = pickle.loads(pickle.dumps(nlp.tokenizer))
    doc = tokenizer("Marek\nSiarkowicz")
    assert [t.text for t in doc] == ["Marek", "Siarkowicz"]
    assert doc[1].idx == 6


def with_model_entities(nlp: Language, text: str, entities: list[tuple[str, str]]) -> dict[str, EntityType]:
    """Mentions when the model's entities are exactly `entities` (text, label): rules, not the model."""
    doc = document(text)
    parsed = nlp(text)
    spans = [
        parsed.char_span(text.index(name), text.index(name) + len(name), label=label)
        for name, label in entities
    ]
    parsed.ents = [span for span in spans if span is not None]
    return {m.text: m.type for m in find_mentions(parsed, doc)}


def markdown(nlp: Language, text: str) -> dict[str, EntityType]:
    doc = read_document(text, "t.md")
    return {m.text: m.type for m in find_mentions(nlp(doc.text), doc)}


def test_a_word_the_model_reads_before_a_job_title_is_not_a_name(nlp: Language) -> None:
    text = "Shiming Zhang is a Software Engineer at DaoCloud, and Jo Lee is Senior Staff Engineer."
    names = with_model_entities(
        nlp, text, [("Shiming Zhang", "PERSON"), ("Software", "ORG"), ("Senior Staff", "ORG")]
    )
    assert names == {"Shiming Zhang": EntityType.PERSON}


def test_one_common_noun_the_model_reads_as_a_name_is_dropped(nlp: Language) -> None:
    text = "Incubation came first. Communications matter. We asked Perplexity."
    names = with_model_entities(
        nlp, text, [("Incubation", "ORG"), ("Communications", "ORG"), ("Perplexity", "ORG")]
    )
    assert names == {"Perplexity": EntityType.ORGANIZATION}


def test_quantities_and_code_identifiers_are_not_names(nlp: Language) -> None:
    text = "The site gets 1.6M visits; he fixed Field status.hostIPs for the Acme Platform."
    names = with_model_entities(
        nlp, text, [("1.6M", "ORG"), ("Field status.hostIPs", "ORG"), ("Acme Platform", "ORG")]
    )
    assert names == {"Acme Platform": EntityType.ORGANIZATION}


def test_model_organisations_named_like_software_or_a_specification_are_retyped(nlp: Language) -> None:
    text = "We built Dynamic Resource Allocation, wrote the ApplySet Specification and met Device Management."
    names = with_model_entities(
        nlp,
        text,
        [
            ("Dynamic Resource Allocation", "ORG"),
            ("ApplySet Specification", "ORG"),
            ("Device Management", "ORG"),
        ],
    )
    assert names == {
        "Dynamic Resource Allocation": EntityType.PROJECT,
        "ApplySet Specification": EntityType.TECHNOLOGY,
        "Device Management": EntityType.ORGANIZATION,
    }


def test_a_full_name_linked_to_a_profile_is_a_person(nlp: Language) -> None:
    names = markdown(nlp, "It was built by [Hemanth Malla](https://github.com/hemanthmalla) from our team.\n")
    assert names == {"Hemanth Malla": EntityType.PERSON}


def test_a_name_linked_to_its_repository_is_a_project_everywhere(nlp: Language) -> None:
    text = (
        "Try [`krew`](https://github.com/kubernetes-sigs/krew) and the [charter](https://github.com/a/b).\n\n"
        "Many people install krew first; [Meetups](https://example.org/meetups) are fun.\n"
    )
    names = markdown(nlp, text)
    assert names["krew"] is EntityType.PROJECT
    assert "charter" not in names and "Meetups" not in names
    doc = read_document(text, "t.md")
    krews = [m for m in find_mentions(nlp(doc.text), doc) if m.text == "krew"]
    assert len(krews) == 2


def test_listed_projects_glued_by_hyphens_name_other_projects(nlp: Language) -> None:
    names = found(
        nlp,
        "Jintao reviews ingress-nginx; we replaced kube-router, run the etcd-operator, "
        "and Cilium is Kubernetes-native and eBPF-based.",
    )
    assert names["ingress-nginx"] is EntityType.PROJECT
    assert names["kube-router"] is EntityType.PROJECT
    assert names["etcd-operator"] is EntityType.PROJECT
    assert names["Kubernetes"] is EntityType.PROJECT
    assert "nginx" not in names and "Kubernetes-native" not in names


def test_a_group_name_running_into_a_team_is_cut_to_the_group_named_elsewhere(nlp: Language) -> None:
    doc = document("Maciej Szulik, SIG CLI Batch Lead, talked about SIG CLI and SIG Cluster Lifecycle.")
    mentions = find_mentions(nlp(doc.text), doc)
    groups = [m.text for m in mentions if m.type is EntityType.ORGANIZATION]
    assert groups == ["SIG CLI", "SIG CLI", "SIG Cluster Lifecycle"]


def test_a_persons_name_is_found_wherever_it_is_written_again(nlp: Language) -> None:
    text = (
        "## Paco Xu\n\nPaco Xu works at DaoCloud.\n\nCurrently, Paco is a reviewer; Paco Labs is not him.\n"
    )
    doc = read_document(text, "t.md")
    mentions = find_mentions(nlp(doc.text), doc)
    people = [m.text for m in mentions if m.type is EntityType.PERSON]
    assert people == ["Paco Xu", "Paco Xu", "Paco"]


def test_a_given_name_two_people_share_is_not_repeated(nlp: Language) -> None:
    text = "Andy Zhang met Andy Lee. Later Andy left."
    names = with_model_entities(nlp, text, [("Andy Zhang", "PERSON"), ("Andy Lee", "PERSON")])
    assert names == {"Andy Zhang": EntityType.PERSON, "Andy Lee": EntityType.PERSON}


def test_a_company_and_a_kind_of_software_name_a_project(nlp: Language) -> None:
    names = found(nlp, "We installed Calico with the Tigera operator last year.")
    assert names["Tigera operator"] is EntityType.PROJECT
    assert "Tigera" not in names


def test_the_model_cutting_a_longer_capitalised_phrase_gives_no_person(nlp: Language) -> None:
    text = "He worked in High Performance Computing before, with Laurent Bernaille."
    names = with_model_entities(
        nlp, text, [("Performance Computing", "PERSON"), ("Laurent Bernaille", "PERSON")]
    )
    assert names == {"Laurent Bernaille": EntityType.PERSON}


def test_a_name_things_are_based_on_is_software_not_a_company(nlp: Language) -> None:
    text = "The Neutron-based IPAM was slow; Acme Corp-based teams were not."
    names = with_model_entities(nlp, text, [("Neutron", "ORG")])
    assert names == {"Neutron": EntityType.PROJECT}


def test_tool_like_names_listed_with_a_project_are_projects(nlp: Language) -> None:
    names = found(
        nlp, "We publish libraries such as cli-runtime and Kubernetes, and we like pizza and Cilium."
    )
    assert names["cli-runtime"] is EntityType.PROJECT
    assert "pizza" not in names


def test_links_to_files_pages_about_names_and_ordinary_words_give_no_project(nlp: Language) -> None:
    text = (
        "See [ineligible_endpoints.yaml](https://github.com/k/k/blob/main/ineligible_endpoints.yaml), "
        "the [website](https://github.com/kubernetes/website) and the "
        "[OVHcloud](https://cilium.io/ovhcloud) story.\n\n"
        "The website is built with Hugo; "
        "[metrics-server](https://kubernetes-sigs.github.io/metrics-server/) helps.\n"
    )
    names = markdown(nlp, text)
    assert names.get("metrics-server") is EntityType.PROJECT
    assert "website" not in names and "ineligible_endpoints.yaml" not in names
    assert names.get("OVHcloud") is not EntityType.PROJECT


def test_an_imperative_opening_the_sentence_is_not_part_of_a_name(nlp: Language) -> None:
    names = found(nlp, "Catch Nadia at KubeCon, where she will talk about Cilium.")
    assert names.get("Nadia") is EntityType.PERSON
    assert not any(name.startswith("Catch") for name in names)
    assert found(nlp, "Bill Mulligan asked the questions.").get("Bill Mulligan") is EntityType.PERSON
    summary = found(nlp, "Meet Laurent Bernaille, Cilium maintainer at Datadog.")
    assert summary.get("Laurent Bernaille") is EntityType.PERSON
    assert not any(name.startswith("Meet") for name in summary)
