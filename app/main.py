"""The application factory: `create_app()` wires settings, store, runs and routes."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from app.api import (
    assignment_pages,
    assignments,
    class_assignments,
    class_live,
    compare,
    exports,
    health,
    pages,
    run_inspection,
    run_names,
    run_stream,
    runs,
    teacher,
)
from app.api.body_limit import install_body_size_limit
from app.api.compression import install_compression
from app.api.cross_site import CrossSiteRefusal
from app.api.docs import install_api_docs
from app.api.error_responses import install_error_handlers
from app.api.security import SecurityHeadersMiddleware
from app.api.static_assets import STATIC_DIRECTORY, ImmutableFiles, content_version
from app.api.vendor_assets import install_vendor_assets, report_missing_assets
from app.log_redaction import redact_access_log
from app.runs.assignments import AssignmentBook
from app.runs.class_live import LiveCurves
from app.runs.inspector import RunInspector
from app.runs.service import RunService
from app.runs.sweeper import keep_storage, sweep_idle_sessions
from app.settings import Settings, get_settings
from app.storage.retention import StorageKeeper
from app.storage.store import Store

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the store opens when the app starts and closes when it stops."""
    settings = settings or get_settings()
    redact_access_log()  # Old /class?token= links: the token stays out of the log.

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.resolved_database_url())
        service = RunService(store, settings)
        app.state.service = service
        app.state.inspector = RunInspector(service, store)
        # The teacher's assignments, and the curves of their runs for the live view.
        app.state.assignments = AssignmentBook(store, settings.max_points)
        app.state.live_curves = LiveCurves(store)
        # The retention policy and the storage budget; the teacher's page shows its figures.
        keeper = StorageKeeper.from_settings(store, settings)
        app.state.storage = keeper
        logger.info("Stepwise store: %s", settings.resolved_database_url())
        report_missing_assets()  # Plotly.js and dagre, installed by npm: the pages need them.
        # What start-up loaded (TensorFlow's modules above all) lives as long as the process:
        # frozen, it is not traversed again by every full collection (bench/table.py, row 10).
        gc.freeze()
        try:
            async with anyio.create_task_group() as background:
                background.start_soon(sweep_idle_sessions, service, settings.idle_session_seconds)
                background.start_soon(keep_storage, keeper)
                # Beside start-up, not before it ends: a visitor who comes sooner waits for
                # this build rather than starting another.
                background.start_soon(anyio.to_thread.run_sync, service.prepare_default_graph)
                yield
                keeper.stop()  # A sweep under way ends after its current delete.
                background.cancel_scope.cancel()
        finally:
            service.close()
            store.close()
            gc.unfreeze()  # A process that starts apps again (the tests) can free what it held.

    app = FastAPI(
        title="Stepwise",
        summary="Watch real TensorFlow fit a line, one optimizer step at a time.",
        version="0.1.0",
        lifespan=lifespan,
        # /docs is served by app.api.docs under the strict CSP; ReDoc is not offered.
        docs_url=None,
        redoc_url=None,
        # The app reports through its logs and /healthz, not OpenTelemetry: without this,
        # FastAPI asks OpenTelemetry's global providers whether to trace, on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings  # For routes that read a setting (the teacher's page).
    install_compression(app)  # Pages, JSON and static files; not server-sent events.
    # Added before the security headers' middleware, so its 413 answers carry them too.
    install_body_size_limit(app, settings.max_body_bytes)
    app.add_middleware(CrossSiteRefusal)  # Inside the security headers: its 403 carries them.
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    install_error_handlers(app)
    app.include_router(runs.router)
    app.include_router(run_names.router)
    app.include_router(run_inspection.router)
    app.include_router(run_stream.router)
    app.include_router(exports.router)
    app.include_router(pages.router)
    app.include_router(compare.router)
    app.include_router(assignments.router)
    app.include_router(assignment_pages.router)
    app.include_router(teacher.router)
    app.include_router(class_assignments.router)
    app.include_router(class_live.router)
    app.include_router(health.router)
    install_api_docs(app)
    # The pages' own files, and Plotly.js and dagre from vendor/node_modules (npm ci --prefix
    # vendor), at addresses that name their version: the page needs nothing from the internet,
    # and a repeat visit nothing but the page and its data (app/api/static_assets.py).
    static = ImmutableFiles(directory=STATIC_DIRECTORY)
    app.mount(f"/static/{content_version(STATIC_DIRECTORY)}", static, name="static")
    install_vendor_assets(app)
    return app


app = create_app()
