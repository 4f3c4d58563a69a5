"""The web pages: search, one document, upload and the review queue, in zh and en."""

from __future__ import annotations

import html
import logging
import math
import re
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams

from search_api import i18n
from search_api.errors import FilewardenError, InvalidInput, NotFound
from search_api.labels import decisions_of, review_queue
from search_api.schemas import SearchHitOut, SearchOut
from search_api.searching import (
    SearchParams,
    document_view,
    search_documents,
    similar_documents,
)
from search_api.service import Filewarden

logger = logging.getLogger(__name__)

PACKAGE_DIR: Final = Path(__file__).resolve().parent
TEMPLATES_DIR: Final = PACKAGE_DIR / "templates"
STATIC_DIR: Final = PACKAGE_DIR / "static"

# Facet name in the API's answer -> query parameter of the search page.
FACET_PARAMETERS: Final = {
    "category": "category",
    "sensitivity": "sensitivity",
    "customer": "customer",
    "file_type": "type",
    "received_month": "month",
    "language": "language",
}
FACET_VALUE_KINDS: Final = ("category", "sensitivity", "file_type", "language")
SIMILAR_SHOWN: Final = 5
SORT_ORDERS: Final = ("relevance", "received_desc", "received_asc", "title")
MONTH_PATTERN: Final = re.compile(r"\d{4}-\d{2}")
SNIPPET_MARK_PATTERN: Final = re.compile(r"(</?mark>)")
PAGE_LINKS_AROUND: Final = 2
REVIEW_PAGE_SIZE: Final = 50
TEXT_SHOWN_CHARS: Final = 200_000
LANGUAGE_COOKIE_SECONDS: Final = 365 * 24 * 3600
# Only types a browser shows without running anything the sender wrote: an
# HTML or SVG original served inline from this origin could script the pages.
PREVIEW_MIME_TYPES: Final = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
)
# No default-src: Chromium checks the PDF viewer inside the preview frame
# against the page's object-src, and a restricted one leaves the frame blank.
PAGE_HEADERS: Final = {
    "Content-Security-Policy": (
        "script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Vary": "Accept-Language, Cookie",
}


def add_page_routes(api: FastAPI) -> None:
    """Serve the pages and their static files from the API's own app."""
    pages = PageRenderer(_environment())
    api.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    _add_search_page(api, pages)
    _add_document_pages(api, pages)
    _add_work_pages(api, pages)
    _add_language_switch(api)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _filewarden(request: Request) -> Filewarden:
    return request.app.state.filewarden  # type: ignore[no-any-return]


class PageRenderer:
    """Renders a template in the language of the request, with the shared frame."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    def render(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        language = language_of(request)
        page = self.environment.get_template(template).render(
            **frame_context(request, language), **context
        )
        response = HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)
        response.headers["Content-Language"] = language
        return response


def language_of(request: Request) -> i18n.Language:
    return i18n.choose_language(
        request.cookies.get(i18n.LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )


def frame_context(request: Request, language: i18n.Language) -> dict[str, Any]:
    """What every page's frame uses: the language, its words and formatters."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    other = "en" if language == "zh" else "zh"
    return {
        "lang": language,
        "t": partial(i18n.translate, language),
        "v": partial(i18n.value_label, language),
        "when": partial(i18n.format_datetime, language),
        "month": partial(i18n.format_month, language),
        "size": partial(i18n.format_size, language),
        "percent": percent,
        "path": request.url.path,
        "switch_url": "/ui/language?" + urlencode({"to": other, "next": here}),
        "js_messages": i18n.catalog(language, ("js.", "state.", "upload.", "review.")),
    }


def percent(confidence: float | None) -> str:
    return "" if confidence is None else f"{round(confidence * 100)}"


def safe_snippet(snippet: str) -> Markup:
    """The snippet with only <mark> kept as markup, whatever else it holds."""
    parts = SNIPPET_MARK_PATTERN.split(snippet)
    # Unescaping then escaping each text part normalises the API's escaping and
    # guarantees no tag but <mark> reaches the page, even if the API slipped.
    return Markup("").join(
        Markup(part) if part in ("<mark>", "</mark>") else escape(html.unescape(part))
        for part in parts
    )


@dataclass
class SearchForm:
    """The search page's query string: query, selected facet values, range, order."""

    q: str = ""
    selected: dict[str, list[str]] = field(default_factory=dict)
    received_from: str = ""
    received_to: str = ""
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_query(cls, query: QueryParams) -> SearchForm:
        selected = {
            facet: [v for v in query.getlist(parameter) if v]
            for facet, parameter in FACET_PARAMETERS.items()
        }
        selected["received_month"] = [
            m for m in selected["received_month"] if MONTH_PATTERN.fullmatch(m)
        ]
        sort = query.get("sort", "relevance")
        return cls(
            q=query.get("q", "").strip(),
            selected={k: v for k, v in selected.items() if v},
            received_from=query.get("received_from", ""),
            received_to=query.get("received_to", ""),
            sort=sort if sort in SORT_ORDERS else "relevance",
            page=_positive_int(query.get("page")),
        )

    @property
    def has_filters(self) -> bool:
        return bool(self.selected or self.received_from or self.received_to)

    def search_params(self) -> SearchParams:
        selected = self.selected
        return SearchParams(
            q=self.q,
            category=selected.get("category"),
            sensitivity=selected.get("sensitivity"),
            customer=selected.get("customer"),
            type=selected.get("file_type"),
            language=selected.get("language"),
            received_from=self.received_from or None,
            received_to=self.received_to or None,
            page=self.page,
            sort=self.sort,
        )

    def url(self, **changes: Any) -> str:
        """The search page's address for this form with some fields changed."""
        form = replace(self, **changes)
        pairs: list[tuple[str, str]] = [("q", form.q)] if form.q else []
        for facet, values in form.selected.items():
            pairs += [(FACET_PARAMETERS[facet], value) for value in values]
        for name in ("received_from", "received_to"):
            if getattr(form, name):
                pairs.append((name, getattr(form, name)))
        if form.sort != "relevance":
            pairs.append(("sort", form.sort))
        if form.page > 1:
            pairs.append(("page", str(form.page)))
        return "/?" + urlencode(pairs) if pairs else "/"

    def without(self, facet: str, value: str) -> str:
        """The address with one selected facet value removed, from page one."""
        selected = {
            k: [x for x in v if x != value or k != facet]
            for k, v in self.selected.items()
        }
        return self.url(selected={k: v for k, v in selected.items() if v}, page=1)


def _positive_int(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    checked: bool


@dataclass
class SearchView:
    """One search as the page shows it: the answer or why there is none."""

    result: SearchOut | None = None
    error: str | None = None
    error_position: int | None = None
    is_syntax_error: bool = False


def run_search(app: Filewarden, form: SearchForm) -> SearchView:
    """The answer to the form, or the reason the API refused it."""
    try:
        return SearchView(result=_search_with_months(app, form))
    except InvalidInput as err:
        logger.debug("search refused: %s", err.message)
        position = err.detail.get("position")
        return SearchView(
            error=err.message,
            error_position=position if isinstance(position, int) else None,
            is_syntax_error="position" in err.detail,
        )


def _search_with_months(app: Filewarden, form: SearchForm) -> SearchOut:
    params = form.search_params()
    months = form.selected.get("received_month", [])
    if not months:
        return search_documents(app, params)

    # The API filters by a date range, not by months; selected months become
    # a query clause. A search without them first reports syntax errors at the
    # person's own positions and counts every month, so more can be ticked.
    every_month = search_documents(app, replace(params, page=1, page_size=1))
    result = search_documents(app, replace(params, q=_with_months(params.q, months)))
    result.facets["received_month"] = every_month.facets.get("received_month", {})
    return result


def _with_months(query: str, months: list[str]) -> str:
    clause = " OR ".join(f"received:[{m} TO {m}]" for m in months)
    return f"({clause}) AND ({query})" if query else f"({clause})"


def facet_values(
    language: i18n.Language, result: SearchOut | None, form: SearchForm
) -> dict[str, list[FacetValue]]:
    """Each facet's values with counts and ticks; a ticked value never vanishes."""
    facets = result.facets if result else {}
    shown = {}
    for facet in FACET_PARAMETERS:
        counts = dict(facets.get(facet, {}))
        selected = form.selected.get(facet, [])
        counts |= {value: counts.get(value, 0) for value in selected}
        shown[facet] = [
            FacetValue(
                value, _facet_label(language, facet, value), count, value in selected
            )
            for value, count in _ordered(facet, counts)
        ]
    return shown


def _ordered(facet: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    if facet == "received_month":
        return sorted(counts.items(), reverse=True)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _facet_label(language: i18n.Language, facet: str, value: str) -> str:
    if facet == "received_month":
        return i18n.format_month(language, value)
    if facet in FACET_VALUE_KINDS:
        return i18n.value_label(language, facet, value)
    return value


def page_numbers(page: int, pages: int) -> list[int]:
    """The first, the last and the pages near the current one."""
    near = range(
        max(1, page - PAGE_LINKS_AROUND), min(pages, page + PAGE_LINKS_AROUND) + 1
    )
    return sorted({1, pages, *near} - {0})


def _add_search_page(api: FastAPI, pages: PageRenderer) -> None:
    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        form = SearchForm.from_query(request.query_params)
        view = run_search(_filewarden(request), form)

        result = view.result
        language = language_of(request)
        page_count = math.ceil(result.total / result.page_size) if result else 0
        return pages.render(
            request,
            "search.html",
            status_code=400 if view.error else 200,
            form=form,
            view=view,
            facets=facet_values(language, result, form),
            parameters=FACET_PARAMETERS,
            facet_label=partial(_facet_label, language),
            sort_orders=SORT_ORDERS,
            page_count=page_count,
            page_numbers=page_numbers(form.page, page_count),
            snippet=safe_snippet,
        )


def _add_document_pages(api: FastAPI, pages: PageRenderer) -> None:
    @api.get(
        "/ui/documents/{document_id}",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def document_page(request: Request, document_id: int) -> HTMLResponse:
        app = _filewarden(request)
        try:
            document = document_view(app, document_id)
        except NotFound:
            return _not_found(request, pages, document_id)

        return pages.render(
            request,
            "document.html",
            document=document,
            history=decisions_of(app, document_id),
            categories=app.settings.categories,
            sensitivities=app.settings.sensitivities,
            can_preview=document.mime_type in PREVIEW_MIME_TYPES,
            text_shown=document.text[:TEXT_SHOWN_CHARS],
            is_labelled=document.state in ("classified", "indexed"),
            similar=_similar_hits(app, document_id),
        )

    @api.get("/ui/documents/{document_id}/preview", include_in_schema=False)
    def preview(request: Request, document_id: int) -> FileResponse:
        """The original inline, for the browser's own viewer; only safe types."""
        app = _filewarden(request)
        record = app.db.get(document_id)
        if record.mime_type not in PREVIEW_MIME_TYPES:
            raise NotFound(
                f"document {document_id} is {record.mime_type}; only PDF and "
                "images are previewed",
                id=document_id,
                mime_type=record.mime_type,
            )
        return FileResponse(
            app.blobs.path_of(record.sha256),
            media_type=record.mime_type,
            filename=record.original_filename,
            content_disposition_type="inline",
            headers={"X-Content-Type-Options": "nosniff"},
        )


def _not_found(request: Request, pages: PageRenderer, document_id: int) -> HTMLResponse:
    language = language_of(request)
    message = i18n.translate(language, "error.not_found", id=document_id)
    return pages.render(request, "error.html", status_code=404, message=message)


def _add_work_pages(api: FastAPI, pages: PageRenderer) -> None:
    @api.get("/ui/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_page(request: Request) -> HTMLResponse:
        return pages.render(request, "upload.html")

    @api.get("/ui/review", response_class=HTMLResponse, include_in_schema=False)
    def review_page(request: Request) -> HTMLResponse:
        app = _filewarden(request)
        return pages.render(
            request,
            "review.html",
            documents=review_queue(app, REVIEW_PAGE_SIZE, 0),
            categories=app.settings.categories,
            sensitivities=app.settings.sensitivities,
        )


def _add_language_switch(api: FastAPI) -> None:
    @api.get("/ui/language", include_in_schema=False)
    def switch_language(to: str, next: str = "/") -> Response:
        """Remember the chosen language and go back to the page it was chosen on."""
        language = to if to in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
        response = RedirectResponse(local_path(next), status_code=303)
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_SECONDS,
            samesite="lax",
        )
        return response


def local_path(target: str) -> str:
    """The target if it stays on this site; "/" otherwise (no open redirect)."""
    is_local = target.startswith("/") and not target.startswith("//")
    return target if is_local and "\\" not in target else "/"


def _similar_hits(app: Filewarden, document_id: int) -> list[SearchHitOut]:
    # A page still helps without its "similar" box, so an index that cannot
    # answer (a rebuild in progress, OpenSearch away) only leaves it empty.
    try:
        return similar_documents(app, document_id, SearchParams(), SIMILAR_SHOWN).hits
    except FilewardenError:
        logger.warning("similar documents of %s unavailable", document_id)
        return []
