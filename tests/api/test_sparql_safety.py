"""The query checks of the public endpoint read SPARQL as its lexer does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.errors import InvalidQuery, RequestTooLarge
from graph.sparql_safety import (
    check_query,
    check_update,
    tokens,
    with_base,
    with_lowercase_booleans,
    with_using_graphs,
    without_base_line,
)

# Text that can sit inside a "…" string, a # comment or an <…> IRI without ending it.
STRING_TEXT = st.text(alphabet=st.characters(blacklist_characters='"\\\n\r', codec="utf-8"), max_size=40)
COMMENT_TEXT = st.text(alphabet=st.characters(blacklist_characters="\n\r", codec="utf-8"), max_size=40)
IRI_TEXT = st.text(alphabet=st.sampled_from("abcdefSERVICELOADxyz/:#.-_0123456789"), max_size=30)
CASINGS = st.text(alphabet="sS", min_size=1, max_size=1).flatmap(
    lambda _: st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in "SERVICE"]).map("".join)
)
GAPS = st.sampled_from([" ", "\n", "\t", "  # SERVICE in a comment\n", "\n# x\n "])


@given(STRING_TEXT, COMMENT_TEXT, IRI_TEXT)
def test_keywords_inside_strings_comments_and_iris_are_not_keywords(
    text: str, comment: str, iri: str
) -> None:
    query = (
        f"PREFIX ex: <https://example.org/{iri}> # {comment}\n"
        f"SELECT * WHERE {{ ?s ex:SERVICE \"{text} SERVICE LOAD INSERT\" . ?s ?load '''{text}''' }}"
    )
    checked = check_query(query)
    assert checked.form == "SELECT"
    assert checked.graphs == ()


@given(CASINGS, GAPS, GAPS)
def test_the_service_keyword_is_caught_however_it_is_written(keyword: str, before: str, after: str) -> None:
    query = f"SELECT * WHERE {{{before}{keyword}{after}<http://127.0.0.1:9/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(InvalidQuery, match="SERVICE"):
        check_query(query)


@given(st.text(max_size=200))
def test_the_lexer_reads_any_text_without_failing(text: str) -> None:
    found = tokens(text)
    assert sum(len(token.text) for token in found) <= len(text)


def test_from_clauses_are_resolved_against_base_and_prefixes() -> None:
    checked = check_query(
        "BASE <https://example.org/data/>\nPREFIX g: <graphs/>\n"
        "SELECT * FROM <one> FROM NAMED g:two FROM NAMED <https://other.example/three> WHERE { ?s ?p ?o }"
    )
    assert checked.from_graphs == ("https://example.org/data/one",)
    assert checked.from_named_graphs == ("https://example.org/data/graphs/two", "https://other.example/three")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   # only a comment\n",
        "PREFIX ex: <https://e.org/>",
        "CLEAR ALL",
        "DELETE WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s ?p ?o } ; LOAD <http://x>",
    ],
)
def test_no_query_form_or_an_update_is_refused(query: str) -> None:
    with pytest.raises(InvalidQuery):
        check_query(query)


def test_the_length_cap_counts_characters() -> None:
    with pytest.raises(RequestTooLarge):
        check_query("ASK {}" + " " * 20, max_chars=20)
    assert check_query("ASK {}", max_chars=6).form == "ASK"


@pytest.mark.parametrize(
    ("update", "refused"),
    [
        ("INSERT DATA { GRAPH <https://e.org/g> { <https://e.org/a> <https://e.org/b> 'LOAD' } }", False),
        ("# LOAD <http://x>\nCLEAR SILENT GRAPH <https://e.org/g>", False),
        ("LOAD SILENT <http://127.0.0.1:9/x.ttl>", True),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", True),
    ],
)
def test_updates_may_not_fetch_from_elsewhere(update: str, refused: bool) -> None:
    if refused:
        with pytest.raises(InvalidQuery):
            check_update(update)
    else:
        check_update(update)


def test_protocol_using_graphs_are_written_into_each_modify_operation() -> None:
    update = (
        "INSERT DATA { GRAPH <https://e.org/g> { <https://e.org/a> a <https://e.org/T> } } ;\n"
        "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ;\n"
        "INSERT { GRAPH <https://e.org/h> { ?s a <https://e.org/U> } } WHERE { ?s a <https://e.org/T> } ;\n"
        "DELETE WHERE { ?x ?y ?z }"
    )
    rewritten = with_using_graphs(update, ["https://e.org/g"], ["https://e.org/n"])
    assert rewritten.count("USING <https://e.org/g> USING NAMED <https://e.org/n>") == 2
    assert "DELETE WHERE { ?x ?y ?z }" in rewritten
    assert with_using_graphs(update, [], []) == update


def test_protocol_using_graphs_conflict_with_using_or_with_in_the_update() -> None:
    with pytest.raises(InvalidQuery):
        with_using_graphs(
            "WITH <https://e.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["https://e.org/h"], []
        )
    with pytest.raises(InvalidQuery):
        with_using_graphs("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["not an iri"], [])


def test_nesting_up_to_the_limit_passes_and_deeper_is_refused() -> None:
    from graph.sparql_safety import MAX_NESTING, check_query, check_update

    def nested(depth: int) -> str:
        return "SELECT * WHERE " + "{ " * depth + "?s ?p ?o" + " }" * depth

    assert check_query(nested(MAX_NESTING)).form == "SELECT"
    # Brackets inside strings and IRIs are not groups.
    assert check_query('SELECT * WHERE { ?s ?p "' + "{" * 1000 + '" }').form == "SELECT"
    with pytest.raises(InvalidQuery, match="levels deep"):
        check_query(nested(MAX_NESTING + 1))
    with pytest.raises(InvalidQuery, match="levels deep"):
        check_update("INSERT { ?s ?p ?o } WHERE " + "{ " * 1000 + "?s ?p ?o" + " }" * 1000)


@pytest.mark.parametrize(
    ("query", "based"),
    [
        ("CONSTRUCT { <s> <p> 1 } WHERE {}", True),
        ("SELECT * WHERE { ?s <http://example.org/p> ?o }", False),
        ("BASE <http://example.org/>\nSELECT * WHERE { <s> ?p ?o }", False),
        ("SELECT * WHERE { ?s ?p '<s>' } # <t>", False),
    ],
)
def test_a_base_is_added_only_for_relative_iris_without_a_base_of_their_own(query: str, based: bool) -> None:
    sent = with_base(query, "http://127.0.0.1:8000/sparql")
    assert sent == ("BASE <http://127.0.0.1:8000/sparql>\n" + query if based else query)


def test_error_positions_count_the_lines_of_the_query_as_sent_by_the_client() -> None:
    query = "SELECT * WHERE { <s> ?p ?o"
    sent = with_base(query, "http://127.0.0.1:8000/sparql")
    message = "The SPARQL query does not parse: error at 2:27: expected '}'"
    assert (
        without_base_line(message, query, sent)
        == "The SPARQL query does not parse: error at 1:27: expected '}'"
    )
    assert without_base_line(message, sent, sent) == message


def test_boolean_keywords_are_lowered_and_nothing_else_changes() -> None:
    query = "SELECT (TRUE AS ?t) (False AS ?f) ('TRUE' AS ?s) (<urn:TRUE> AS ?i) ?TRUE ex:FALSE {}"
    assert with_lowercase_booleans(query) == (
        "SELECT (true AS ?t) (false AS ?f) ('TRUE' AS ?s) (<urn:TRUE> AS ?i) ?TRUE ex:FALSE {}"
    )
    assert with_lowercase_booleans("ASK { FILTER(true) }") == "ASK { FILTER(true) }"
