"""Filewarden's query language, parsed into a typed tree (never handed to an engine).

Grammar, loosest binding first::

    query    := or_expr?
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary)*        # juxtaposition is AND
    unary    := ("NOT" | "-") unary | "+" unary | primary
    primary  := "(" or_expr ")" | FIELD ":" value | PHRASE | WORD
    value    := "(" or_expr ")" | PHRASE | WORD | "[" bound "TO" bound "]"

So ``a b OR c`` is ``(a AND b) OR c``. Operators are uppercase only; ``and``
is a word. A WORD ending in ``*`` is a prefix, in ``~`` or ``~N`` (N = 0..2)
a fuzzy word. ``name:`` with a name that is not in ``QUERY_FIELDS`` is plain
text (people paste "Re: invoice"); a query field with no value after it is an
error. The date fields (``received:``, and ``date:``, the date the document
carries) take ``[a TO b]`` or one date; bounds are ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD``, cover the whole period (UTC days) and ``*`` leaves an end open.

A query is at most ``MAX_QUERY_CHARS`` characters and nests groups and
NOT/-/+ operators at most ``MAX_QUERY_DEPTH`` deep: the parser recurses, and
so does every engine's compiled query.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from search_api.errors import InvalidInput

logger = logging.getLogger(__name__)

TEXT_QUERY_FIELDS: Final = ("title", "text", "customer", "filename")
KEYWORD_QUERY_FIELDS: Final = ("category", "sensitivity", "type", "language")
DATE_QUERY_FIELDS: Final = ("received", "date")
QUERY_FIELDS: Final = TEXT_QUERY_FIELDS + KEYWORD_QUERY_FIELDS + DATE_QUERY_FIELDS
OPERATORS: Final = ("AND", "OR", "NOT")
MAX_FUZZY_DISTANCE: Final = 2
MAX_QUERY_CHARS: Final = 4000
# Each level costs about five parser frames and a few more to lower and
# compile it: 100 levels stay far from Python's default limit of 1000.
MAX_QUERY_DEPTH: Final = 100

FIELD_PATTERN: Final = re.compile(r"([a-z]+):")
FUZZY_PATTERN: Final = re.compile(r"(.+)~(\d*)")
DATE_PATTERN: Final = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
SPECIAL_CHARACTERS: Final = '()" \t\r\n\f\v'


class QuerySyntaxError(InvalidInput):
    """A query that does not follow the grammar; ``position`` is 0-based."""

    def __init__(self, message: str, position: int, query: str, **detail: Any) -> None:
        super().__init__(
            f"{message} at position {position}",
            position=position,
            query=query,
            **detail,
        )
        self.position = position


@dataclass(frozen=True)
class Term:
    """A word, or several tokens without spaces between them (a phrase then)."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Fuzzy:
    text: str
    distance: int = 1
    field: str | None = None


@dataclass(frozen=True)
class DateRange:
    """A date field between two days, both included; ``None`` is an open end."""

    start: date | None
    end: date | None
    field: str = "received"


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Term | Phrase | Prefix | Fuzzy | DateRange | And | Or | Not | MatchAll
Leaf = Term | Phrase | Prefix | Fuzzy


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "(", ")", "[", "]", "phrase", "word", "op", "field", "sign"
    text: str
    position: int


def parse_query(query: str) -> Node:
    """The tree of ``query``; an empty query is ``MatchAll``."""
    _check_length(query)
    parser = _Parser(query, _lex(query))
    return parser.parse()


def _check_length(query: str) -> None:
    if len(query) <= MAX_QUERY_CHARS:
        return
    # Only the head goes back in the error: the caller has the rest.
    raise QuerySyntaxError(
        f"query of {len(query)} characters is longer than {MAX_QUERY_CHARS}",
        MAX_QUERY_CHARS,
        query[:MAX_QUERY_CHARS],
        length=len(query),
        max_length=MAX_QUERY_CHARS,
    )


def positive_leaves(node: Node) -> list[Leaf]:
    """Leaves a matching document contains (outside any NOT), for highlighting."""
    if isinstance(node, Term | Phrase | Prefix | Fuzzy):
        return [node]
    if isinstance(node, And | Or):
        return [leaf for child in node.children for leaf in positive_leaves(child)]
    return []


def _lex(query: str) -> list[_Lexeme]:
    lexemes: list[_Lexeme] = []
    position = 0
    while position < len(query):
        character = query[position]
        if character.isspace():
            position += 1
        elif character in "()":
            lexemes.append(_Lexeme(character, character, position))
            position += 1
        elif character == '"':
            lexeme, position = _lex_phrase(query, position)
            lexemes.append(lexeme)
        else:
            position = _lex_word(query, position, lexemes)
    return lexemes


def _lex_phrase(query: str, start: int) -> tuple[_Lexeme, int]:
    end = query.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError("unterminated quote", start, query)
    return _Lexeme("phrase", query[start + 1 : end], start), end + 1


def _lex_word(query: str, start: int, lexemes: list[_Lexeme]) -> int:
    at_term_start = not lexemes or lexemes[-1].kind in ("(", "op", "sign", "field")
    previous_is_space = start == 0 or query[start - 1].isspace() or at_term_start
    if query[start] in "+-" and previous_is_space and _continues(query, start + 1):
        lexemes.append(_Lexeme("sign", query[start], start))
        return start + 1

    field = FIELD_PATTERN.match(query, start)
    if field and field.group(1) in QUERY_FIELDS and not query[field.end() :].strip():
        # A query that ends in "title:" was cut short; searching the field's
        # name as a word would surprise everyone.
        message = f"field {field.group()} has no value"
        raise QuerySyntaxError(message, start, query)
    # "Customer: ACME" pasted from a letter is text, like any unknown "name:".
    if field and field.group(1) in QUERY_FIELDS and _continues(query, field.end()):
        lexemes.append(_Lexeme("field", field.group(1), start))
        if field.group(1) in DATE_QUERY_FIELDS and query[field.end()] == "[":
            return _lex_range(query, field.end(), lexemes)
        return field.end()

    end = start
    while end < len(query) and query[end] not in SPECIAL_CHARACTERS:
        end += 1
    word = query[start:end]
    kind = "op" if word in OPERATORS else "word"
    lexemes.append(_Lexeme(kind, word, start))
    return end


def _lex_range(query: str, start: int, lexemes: list[_Lexeme]) -> int:
    """Lex ``[a TO b]``; brackets mean nothing elsewhere, so "[draft]" is a word."""
    end = query.find("]", start)
    if end < 0:
        raise QuerySyntaxError("unterminated date range", start, query)
    lexemes.append(_Lexeme("[", "[", start))
    for part in re.finditer(r"\S+", query[start + 1 : end]):
        lexemes.append(_Lexeme("word", part.group(), start + 1 + part.start()))
    lexemes.append(_Lexeme("]", "]", end))
    return end + 1


def _continues(query: str, position: int) -> bool:
    """Whether a sign or field prefix is directly followed by its operand."""
    return position < len(query) and not query[position].isspace()


class _Parser:
    """Recursive descent over lexemes; every error names its position."""

    def __init__(self, query: str, lexemes: list[_Lexeme]) -> None:
        self.query = query
        self.lexemes = lexemes
        self.index = 0
        self.depth = 0

    def parse(self) -> Node:
        if not self.lexemes:
            return MatchAll()
        node = self._or_expr(field=None)
        if self._peek() is not None:
            self._unexpected(self._peek())  # type: ignore[arg-type]
        return node

    def _peek(self) -> _Lexeme | None:
        return self.lexemes[self.index] if self.index < len(self.lexemes) else None

    def _next(self) -> _Lexeme:
        lexeme = self.lexemes[self.index]
        self.index += 1
        return lexeme

    def _is_op(self, name: str) -> bool:
        lexeme = self._peek()
        return lexeme is not None and lexeme.kind == "op" and lexeme.text == name

    def _or_expr(self, field: str | None) -> Node:
        children = [self._and_expr(field)]
        while self._is_op("OR"):
            self._expect_operand(self._next())
            children.append(self._and_expr(field))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and_expr(self, field: str | None) -> Node:
        children = [self._unary(field)]
        while True:
            lexeme = self._peek()
            if lexeme is None or lexeme.kind == ")" or self._is_op("OR"):
                break
            if self._is_op("AND"):
                self._expect_operand(self._next())
            children.append(self._unary(field))
        return children[0] if len(children) == 1 else And(tuple(children))

    def _unary(self, field: str | None) -> Node:
        lexeme = self._peek()
        if lexeme is None:
            raise QuerySyntaxError("expected a term", len(self.query), self.query)
        is_negation = (lexeme.kind == "op" and lexeme.text == "NOT") or (
            lexeme.kind == "sign" and lexeme.text == "-"
        )
        if not (is_negation or lexeme.kind == "sign"):
            return self._primary(field)
        self._expect_operand(self._next())
        with self._nested(lexeme):
            operand = self._unary(field)
        return Not(operand) if is_negation else operand

    @contextmanager
    def _nested(self, opening: _Lexeme) -> Iterator[None]:
        """One level deeper (a group or an operator), at most MAX_QUERY_DEPTH."""
        if self.depth >= MAX_QUERY_DEPTH:
            message = (
                f"'{opening.text}' nests deeper than {MAX_QUERY_DEPTH} levels of "
                "parentheses and NOT/-/+ operators"
            )
            raise QuerySyntaxError(
                message, opening.position, self.query, max_depth=MAX_QUERY_DEPTH
            )
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def _expect_operand(self, operator: _Lexeme) -> None:
        following = self._peek()
        if following is None or following.kind == ")" or self._is_op("OR"):
            message = f"expected a term after '{operator.text}'"
            raise QuerySyntaxError(message, operator.position, self.query)
        if self._is_op("AND") and operator.kind == "op":
            message = f"expected a term after '{operator.text}'"
            raise QuerySyntaxError(message, operator.position, self.query)

    def _primary(self, field: str | None) -> Node:
        lexeme = self._next()
        if lexeme.kind == "(":
            return self._group(lexeme, field)
        if lexeme.kind == "field":
            return self._field_value(lexeme, field)
        if lexeme.kind == "phrase":
            return self._phrase(lexeme, field)
        if lexeme.kind == "word":
            return self._word(lexeme, field)
        self._unexpected(lexeme)
        raise AssertionError("unreachable")

    def _unexpected(self, lexeme: _Lexeme) -> None:
        if lexeme.kind == ")":
            message = "unbalanced parenthesis: ')' has no matching '('"
        elif lexeme.kind == "op":
            message = f"operator '{lexeme.text}' needs a term before it"
        else:
            message = f"unexpected '{lexeme.text}'"
        raise QuerySyntaxError(message, lexeme.position, self.query)

    def _group(self, opening: _Lexeme, field: str | None) -> Node:
        following = self._peek()
        if following is None:
            message = "unbalanced parenthesis: '(' is never closed"
            raise QuerySyntaxError(message, opening.position, self.query)
        if following.kind == ")":
            raise QuerySyntaxError("empty parentheses", opening.position, self.query)
        with self._nested(opening):
            node = self._or_expr(field)
        closing = self._peek()
        if closing is None or closing.kind != ")":
            message = "unbalanced parenthesis: '(' is never closed"
            raise QuerySyntaxError(message, opening.position, self.query)
        self._next()
        return node

    def _field_value(self, prefix: _Lexeme, outer: str | None) -> Node:
        if outer is not None and outer != prefix.text:
            message = f"field '{prefix.text}' inside a group of field '{outer}'"
            raise QuerySyntaxError(message, prefix.position, self.query)
        value = self._peek()
        if prefix.text in DATE_QUERY_FIELDS:
            return self._date_value(prefix)
        if value is not None and value.kind == "(":
            return self._group(self._next(), prefix.text)
        if value is None or value.kind not in ("phrase", "word"):
            message = f"expected a value after '{prefix.text}:'"
            raise QuerySyntaxError(message, prefix.position, self.query)
        return self._primary(prefix.text)

    def _phrase(self, lexeme: _Lexeme, field: str | None) -> Node:
        return Phrase(lexeme.text, field)

    def _word(self, lexeme: _Lexeme, field: str | None) -> Node:
        text = lexeme.text
        if text == "*":
            return MatchAll()
        if text.endswith("*"):
            return Prefix(text.rstrip("*"), field)
        fuzzy = FUZZY_PATTERN.fullmatch(text)
        if fuzzy:
            distance = int(fuzzy.group(2) or 1)
            if distance > MAX_FUZZY_DISTANCE:
                message = f"fuzzy distance {distance} is above {MAX_FUZZY_DISTANCE}"
                raise QuerySyntaxError(message, lexeme.position, self.query)
            return Fuzzy(fuzzy.group(1), distance, field)
        return Term(text, field)

    def _date_value(self, prefix: _Lexeme) -> Node:
        value = self._peek()
        if value is not None and value.kind == "word":
            self._next()
            start, end = _period(value, self.query)
            return DateRange(start, end, prefix.text)
        if value is None or value.kind != "[":
            message = f"expected [start TO end] or a date after '{prefix.text}:'"
            raise QuerySyntaxError(message, prefix.position, self.query)
        return self._date_range(self._next(), prefix.text)

    def _date_range(self, opening: _Lexeme, field: str) -> Node:
        lexemes = self.lexemes[self.index : self.index + 4]
        kinds = [lexeme.kind for lexeme in lexemes]
        texts = [lexeme.text for lexeme in lexemes]
        if kinds != ["word", "word", "word", "]"] or texts[1] != "TO":
            message = "expected [start TO end] with dates or *"
            raise QuerySyntaxError(message, opening.position, self.query)
        self.index += 4
        start = None if texts[0] == "*" else _period(lexemes[0], self.query)[0]
        end = None if texts[2] == "*" else _period(lexemes[2], self.query)[1]
        if start is not None and end is not None and start > end:
            message = f"date range starts after it ends ({start} > {end})"
            raise QuerySyntaxError(message, opening.position, self.query)
        return DateRange(start, end, field)


def _period(lexeme: _Lexeme, query: str) -> tuple[date, date]:
    """First and last day of a year, month or day written in the query."""
    match = DATE_PATTERN.fullmatch(lexeme.text)
    if match is None:
        message = f"'{lexeme.text}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
        raise QuerySyntaxError(message, lexeme.position, query)
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        return _period_days(year or 1, month, day)
    except ValueError as err:
        message = f"'{lexeme.text}' is not a valid date ({err})"
        raise QuerySyntaxError(message, lexeme.position, query) from err


def _period_days(year: int, month: int | None, day: int | None) -> tuple[date, date]:
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if day is None:
        last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
        return date(year, month, 1), date(year, month, last)
    return date(year, month, day), date(year, month, day)
