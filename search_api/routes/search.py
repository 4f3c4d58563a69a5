"""Routes for finding documents: search in the query language, suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from search_api.routes.context import filewarden_of
from search_api.schemas import SearchOut, SuggestionOut
from search_api.searching import SearchParams, search_documents, suggestions

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchOut)
def search(
    request: Request,
    q: str = "",
    category: Annotated[list[str] | None, Query()] = None,
    sensitivity: Annotated[list[str] | None, Query()] = None,
    customer: Annotated[list[str] | None, Query()] = None,
    type: Annotated[list[str] | None, Query()] = None,
    language: Annotated[list[str] | None, Query()] = None,
    received_from: str | None = None,
    received_to: str | None = None,
    page: int = 1,
    page_size: int | None = None,
    sort: str = "relevance",
    cursor: str | None = None,
) -> SearchOut:
    """Full-text and faceted search in Filewarden's query language.

    For deep pages pass the previous answer's ``next_cursor`` as ``cursor``.
    """
    params = SearchParams(
        q=q,
        category=category,
        sensitivity=sensitivity,
        customer=customer,
        type=type,
        language=language,
        received_from=received_from,
        received_to=received_to,
        page=page,
        page_size=page_size,
        sort=sort,
        cursor=cursor,
    )
    return search_documents(filewarden_of(request), params)


@router.get("/suggest", response_model=list[SuggestionOut])
def suggest(
    request: Request,
    prefix: Annotated[str, Query(max_length=100)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[SuggestionOut]:
    """Titles, customers and frequent terms starting with ``prefix``."""
    return suggestions(filewarden_of(request), prefix, limit)
