"""The HTTP API: documents in, entities, contributions and SPARQL out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.caching import ResponseCache
from api.deps import StoreWrites
from api.errors import install_error_handlers
from api.middleware import install_middleware
from api.routes import (
    admin,
    analytics,
    contributions,
    documents,
    entities,
    explorer,
    export,
    graph_store,
    health,
    organizations,
    paths,
    people,
    projects,
    search,
    sparql,
    update,
)
from api.routes import reconcile as reconcile_routes
from api.settings import Settings
from graph import __version__

log = logging.getLogger(__name__)

DESCRIPTION = """\
A knowledge graph of open-source people, projects and organisations, read from interviews, spotlights
and contributor stories. Every fact keeps its evidence: the document, the sentence, its character span
in the raw file, the publication date and a confidence.

Post Markdown or text to `/documents`; ask `/entities`, `/contributions` or the read-only SPARQL 1.1
endpoint `/sparql` (with SPARQL 1.1 Update at `/update` and the Graph Store Protocol at `/store` for
the admin). Errors are JSON: `{"error": code, "detail": message}`.
"""

TAGS = [
    {"name": "documents", "description": "Add, list and delete source documents (one named graph each)."},
    {"name": "entities", "description": "People, projects, organisations, conferences and technologies."},
    {"name": "contributions", "description": "Who contributed to or maintains which project, with evidence."},
    {"name": "people", "description": "People: projects, employers, talks, peers, with evidence."},
    {"name": "projects", "description": "Profiles of projects: contributors, maintainers, creators, users."},
    {"name": "organizations", "description": "Organisations: members, projects developed and used."},
    {"name": "paths", "description": "How two entities are connected, hop by hop, with evidence."},
    {"name": "search", "description": "Find entities by name, alias or handle, forgiving typos."},
    {"name": "sparql", "description": "Read-only SPARQL 1.1 Protocol endpoint over all documents."},
    {"name": "service", "description": "Health of the service."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app; the store named by `settings` is opened at startup and closed at shutdown."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from graph.store import open_store
        from graph.store.workers import ProcessQueryRunner, close_query_runner, query_runner

        store = open_store(settings.store_location, read_only=settings.read_only)
        app.state.store = store
        runner = query_runner(store, settings.query_workers)
        if isinstance(runner, ProcessQueryRunner):
            runner.warm_up()
        log.info("store open: %s", settings.store_location)
        try:
            yield
        finally:
            app.state.store = None
            close_query_runner(store)
            store.close()

    app = FastAPI(
        title="maintainer-kg",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # The interactive docs are served from vendored files below, so they work offline (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = None
    app.state.write_lock = StoreWrites(read_only=settings.read_only)
    app.state.response_cache = (
        ResponseCache(settings.response_cache_mb * 1024 * 1024) if settings.caches_responses else None
    )
    install_error_handlers(app)
    install_middleware(app, settings)
    for router in (health.router, documents.router, entities.router, contributions.router, sparql.router):
        app.include_router(router)
    app.include_router(update.router)
    app.include_router(graph_store.router)
    for router in (people.router, projects.router, organizations.router, paths.router, search.router):
        app.include_router(router)
    app.include_router(reconcile_routes.router)
    app.include_router(explorer.router)
    app.include_router(admin.router)
    app.include_router(export.router)
    app.include_router(analytics.router)
    install_offline_docs(app)
    return app


def install_offline_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the vendored copy in api/static/swagger (see web/vendor.sh)."""

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API docs",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )
