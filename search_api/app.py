"""The HTTP API: receipts in, searches and documents out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from search_api.errors import FilewardenError
from search_api.guards import RequestGuard
from search_api.jobs import BackgroundJob
from search_api.pages import add_page_routes
from search_api.routes import ROUTERS
from search_api.service import Filewarden
from search_api.settings import Settings, get_settings
from search_api.worker import IngestWorker

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI application for one data folder."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        filewarden = Filewarden(settings)
        worker = IngestWorker(filewarden)
        api.state.filewarden = filewarden
        api.state.worker = worker
        api.state.reindex_thread = None
        api.state.training = BackgroundJob("training")
        worker.start()
        logger.info("serving data folder %s", settings.data_dir.resolve())
        yield
        worker.stop()
        filewarden.close()

    api = FastAPI(
        title="Filewarden",
        summary="Files customers send: received, read, labelled, findable.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _add_docs(api)
    api.add_middleware(RequestGuard, max_request_bytes=settings.max_request_bytes)
    api.add_exception_handler(FilewardenError, _error_answer)  # type: ignore[arg-type]
    api.add_exception_handler(
        RequestValidationError,
        _invalid_request_answer,  # type: ignore[arg-type]
    )
    api.get("/health", tags=["health"])(health)
    for router in ROUTERS:
        api.include_router(router)
    add_page_routes(api)
    return api


def _add_docs(api: FastAPI) -> None:
    # Swagger UI from the installed package, not a CDN: Filewarden often runs
    # on networks that cannot reach one.
    api.mount(
        "/docs-assets",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="docs-assets",
    )

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Filewarden API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


async def _invalid_request_answer(
    request: Request, err: RequestValidationError
) -> JSONResponse:
    # FastAPI's own answer echoes the whole input back; name the fields instead.
    problems = [
        {"where": ".".join(str(part) for part in e["loc"]), "problem": e["msg"]}
        for e in err.errors()
    ]
    first = problems[0] if problems else {"where": "request", "problem": "invalid"}
    return JSONResponse(
        status_code=422,
        content={
            "error": f"{first['where']}: {first['problem']}",
            "detail": {"problems": problems},
        },
    )


async def _error_answer(request: Request, err: FilewardenError) -> JSONResponse:
    return JSONResponse(
        status_code=err.status_code,
        content={"error": err.message, "detail": err.detail},
    )


def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}
