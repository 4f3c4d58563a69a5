"""Text analysis, the query language, index backends and snippets."""

from indexer.analysis import analyze, normalize
from indexer.query import QuerySyntaxError, parse_query
from indexer.snippet import make_snippet
from indexer.types import (
    FACET_FIELDS,
    Hit,
    Index,
    IndexDocument,
    SearchRequest,
    SearchResult,
    Suggestion,
)

__all__ = [
    "FACET_FIELDS",
    "Hit",
    "Index",
    "IndexDocument",
    "QuerySyntaxError",
    "SearchRequest",
    "SearchResult",
    "Suggestion",
    "analyze",
    "make_snippet",
    "normalize",
    "parse_query",
]
