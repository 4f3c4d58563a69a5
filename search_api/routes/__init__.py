"""The HTTP API's routes, one module per area."""

from search_api.routes import documents, jobs, labels, search

ROUTERS = (documents.router, search.router, labels.router, jobs.router)
