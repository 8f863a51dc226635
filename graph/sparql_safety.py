"""Checks a SPARQL request must pass before it reaches the store of a public endpoint.

The text is split into SPARQL's terminals (IRIs, strings, comments, variables, prefixed names,
keywords) the way the grammar's lexer does, so a keyword inside a comment, a string, an IRI or a
prefixed name (`ex:SERVICE`) is never mistaken for the keyword itself, and a keyword written in any
case or spacing is always seen. Syntax errors are left to the store's parser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from graph.errors import InvalidQuery, RequestTooLarge

DEFAULT_MAX_QUERY_CHARS = 100_000

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# Keywords only SPARQL Update has; any of them outside IRIs, strings and comments makes a request an
# update. (LOAD is refused even in updates: it makes the server fetch a URL.)
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_PN_CHARS = _PN_CHARS_BASE + r"_\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
    | (?P<var>[?$]["""
    + _PN_CHARS
    + r"""]+)
    | (?P<pname>(?:["""
    + _PN_CHARS_BASE
    + r"""_](?:["""
    + _PN_CHARS
    + r""".]*["""
    + _PN_CHARS
    + r"""])?)?:
                (?:["""
    + _PN_CHARS
    + r""":.%\\]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])*)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int = 0


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the checks: its form and the graphs its FROM / FROM NAMED clauses name."""

    form: str
    from_graphs: tuple[str, ...]
    from_named_graphs: tuple[str, ...]
    # The query's tokens, for the rewrites that follow the checks (with_base, with_lowercase_booleans).
    tokens: tuple[Token, ...] = ()

    @property
    def gives_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE."""
        return self.form in ("CONSTRUCT", "DESCRIBE")

    @property
    def graphs(self) -> tuple[str, ...]:
        """Every graph IRI the query names in its dataset clauses."""
        return self.from_graphs + self.from_named_graphs


def tokens(sparql: str) -> list[Token]:
    """The SPARQL terminals of the text, without white space and comments."""
    found: list[Token] = []
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        found.append(Token(kind, match.group(), match.start()))
    return found


def _keywords(found: list[Token]) -> list[str]:
    return [token.text.upper() for token in found if token.kind == "word"]


# Deepest nesting of { ( [ a request may have. The engine parses recursively: thousands of nested groups
# overflow its stack and take the process down, so such requests are refused before they reach it.
MAX_NESTING = 200


def check_nesting(found: list[Token], what: str) -> None:
    """Refuse a request whose brackets nest deeper than MAX_NESTING (InvalidQuery, 400)."""
    depth = deepest = 0
    for token in found:
        if token.kind != "other":
            continue
        if token.text in "{([":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                raise InvalidQuery(
                    f"The {what} nests groups more than {MAX_NESTING} levels deep; flatten it."
                )
        elif token.text in "})]":
            depth -= 1


def check_length(sparql: str, max_chars: int) -> None:
    """Refuse a request text over `max_chars` characters (RequestTooLarge, 413)."""
    if len(sparql) > max_chars:
        raise RequestTooLarge(
            f"The request is {len(sparql)} characters long; this endpoint takes at most {max_chars} "
            "(MKG_MAX_QUERY_CHARS). Shorten it."
        )


def check_query(sparql: str, *, max_chars: int = DEFAULT_MAX_QUERY_CHARS) -> CheckedQuery:
    """Check a read-only query for the public endpoint.

    Raises RequestTooLarge over `max_chars`; InvalidQuery for an empty text, an update, SERVICE, LOAD,
    or no query form. FROM graphs are returned so that the caller can check they are local.
    """
    check_length(sparql, max_chars)
    found = tokens(sparql)
    if not found:
        raise InvalidQuery("The query is empty; send a SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE.")
    check_nesting(found, "query")
    words = _keywords(found)
    if "SERVICE" in words:
        raise InvalidQuery(
            "SERVICE (federated query) is not allowed: this endpoint queries its own store only."
        )
    update = next((w for w in words if w in UPDATE_KEYWORDS), None)
    if update is not None:
        raise InvalidQuery(
            f"{update} belongs to SPARQL Update; this endpoint is read-only. Send updates to /update "
            "with the admin token."
        )
    form = next((w for w in words if w in QUERY_FORMS), None)
    if form is None:
        raise InvalidQuery("The query has no SELECT, ASK, CONSTRUCT or DESCRIBE; send a SPARQL 1.1 query.")
    default, named = _dataset_clauses(found)
    return CheckedQuery(form, default, named, tuple(found))


def check_update(sparql: str, *, max_chars: int = DEFAULT_MAX_QUERY_CHARS) -> None:
    """Check an update for the admin endpoint: no LOAD and no SERVICE (no outbound requests).

    Raises RequestTooLarge over `max_chars`, InvalidQuery for an empty text, LOAD or SERVICE.
    """
    check_length(sparql, max_chars)
    found = tokens(sparql)
    if not found:
        raise InvalidQuery("The update is empty; send a SPARQL 1.1 Update.")
    check_nesting(found, "update")
    words = _keywords(found)
    if "LOAD" in words:
        raise InvalidQuery(
            "LOAD is not allowed: the server makes no outbound requests. Send the data with "
            "PUT or POST /store?graph=IRI instead."
        )
    if "SERVICE" in words:
        raise InvalidQuery("SERVICE (federated query) is not allowed: the server makes no outbound requests.")


def _dataset_clauses(found: list[Token]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The IRIs of FROM and FROM NAMED clauses, resolved against the query's BASE and PREFIXes."""
    base = ""
    prefixes: dict[str, str] = {}
    default: list[str] = []
    named: list[str] = []
    index = 0
    while index < len(found):
        token = found[index]
        word = token.text.upper() if token.kind == "word" else ""
        following = found[index + 1] if index + 1 < len(found) else None
        if word == "BASE" and following is not None and following.kind == "iri":
            base = urljoin(base, following.text[1:-1])
            index += 2
            continue
        if word == "PREFIX" and index + 2 < len(found) and found[index + 2].kind == "iri":
            name = found[index + 1].text
            prefixes[name[:-1] if name.endswith(":") else name] = urljoin(base, found[index + 2].text[1:-1])
            index += 3
            continue
        if word == "FROM" and following is not None:
            target = named if following.kind == "word" and following.text.upper() == "NAMED" else default
            position = index + 2 if target is named else index + 1
            if position >= len(found):
                break
            iri = _resolve(found[position], base, prefixes)
            if iri is not None:
                target.append(iri)
            index = position + 1
            continue
        index += 1
    return tuple(default), tuple(named)


def _resolve(token: Token, base: str, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1])
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        raise InvalidQuery(f"The prefix {prefix}: used in FROM is not declared; add a PREFIX line for it.")
    return None


def with_using_graphs(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """The update with the protocol's `using-graph-uri` / `using-named-graph-uri` written in as USING /
    USING NAMED clauses of each DELETE/INSERT … WHERE operation (SPARQL 1.1 Protocol, 2.2.3).

    Raises InvalidQuery when the update has its own USING, USING NAMED or WITH (the protocol forbids
    both), or a graph IRI cannot be written in SPARQL.
    """
    if not using and not using_named:
        return update
    found = tokens(update)
    words = _keywords(found)
    if "USING" in words or "WITH" in words:
        raise InvalidQuery(
            "The update has its own USING or WITH; drop using-graph-uri / using-named-graph-uri, or them."
        )
    clauses = " ".join(
        [f"USING <{_safe_iri(iri)}>" for iri in using]
        + [f"USING NAMED <{_safe_iri(iri)}>" for iri in using_named]
    )
    insert_at: list[int] = []
    depth = 0
    previous: Token | None = None
    for token in found:
        if token.kind == "other" and token.text == "{":
            depth += 1
        elif token.kind == "other" and token.text == "}":
            depth -= 1
        elif (
            depth == 0
            and token.kind == "word"
            and token.text.upper() == "WHERE"
            # After a template's closing brace: the WHERE of DELETE/INSERT {…} WHERE, not DELETE WHERE.
            and previous is not None
            and previous.kind == "other"
            and previous.text == "}"
        ):
            insert_at.append(token.start)
        previous = token
    for position in reversed(insert_at):
        update = f"{update[:position]}{clauses}\n{update[position:]}"
    return update


# An IRI reference with a scheme: absolute, so no base applies to it.
_ABSOLUTE_IRI = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*:")
# Where a parser reports a position: "error at LINE:COLUMN".
_ERROR_POSITION = re.compile(r"(at )(\d+)(:\d+)")


def with_base(sparql: str, base: str, found: Sequence[Token] | None = None) -> str:
    """The query with `BASE <base>` on a line of its own before it, when it has relative IRIs and no
    BASE of its own; otherwise the query unchanged.

    A query sent over the protocol has no base of its own: its relative IRIs resolve against the
    endpoint's URL, where it was retrieved (RFC 3986, 5.1.3). `found` are the query's tokens when
    they are at hand.
    """
    found = tokens(sparql) if found is None else found
    if any(token.kind == "word" and token.text.upper() == "BASE" for token in found):
        return sparql
    if not any(token.kind == "iri" and not _ABSOLUTE_IRI.match(token.text) for token in found):
        return sparql
    return f"BASE <{_safe_iri(base)}>\n{sparql}"


def with_lowercase_booleans(sparql: str, found: Sequence[Token] | None = None) -> str:
    """The query with the boolean keywords in lower case (`TRUE` -> `true`), as the engine expects.

    SPARQL keywords are case-insensitive, `true` and `false` included; only bare words change, never
    strings, IRIs, prefixed names or variables, and lengths stay the same, so positions (and the
    tokens `found`, when given) stay valid too.
    """
    found = [
        t
        for t in (tokens(sparql) if found is None else found)
        if t.kind == "word" and t.text.lower() in ("true", "false")
    ]
    if all(token.text.islower() for token in found):
        return sparql
    text = list(sparql)
    for token in found:
        text[token.start : token.start + len(token.text)] = token.text.lower()
    return "".join(text)


def without_base_line(message: str, sparql: str, sent: str) -> str:
    """A parser message about `sent` (the query with_base made from `sparql`), with the line numbers
    it gives counted in `sparql` again."""
    if sent == sparql:
        return message
    return _ERROR_POSITION.sub(lambda m: f"{m.group(1)}{max(1, int(m.group(2)) - 1)}{m.group(3)}", message)


def _safe_iri(iri: str) -> str:
    if not iri or _IRI_FORBIDDEN.search(iri):
        raise InvalidQuery(f"{iri!r} is not an IRI that can be used as a graph name.")
    return iri


_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|\\^`]")
