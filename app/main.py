"""The application factory: `create_app()` wires settings, store, runs and routes."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from app.api import compare, exports, health, pages, runs
from app.api.errors import install_error_handlers
from app.config import PROJECT_ROOT, Settings, get_settings
from app.runs.explainer import RunExplainer
from app.runs.service import RunService
from app.store import Store

logger = logging.getLogger(__name__)

PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the store opens when the app starts and closes when it stops."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.resolved_database_url())
        service = RunService(store, settings)
        app.state.service = service
        app.state.explainer = RunExplainer(service, store)
        logger.info("Stepwise store: %s", settings.resolved_database_url())
        try:
            yield
        finally:
            service.close()
            store.close()

    app = FastAPI(
        title="Stepwise",
        summary="Watch real TensorFlow fit a line, one optimizer step at a time.",
        version="0.1.0",
        lifespan=lifespan,
    )
    # Compresses pages, JSON and static files (Plotly.js shrinks from 4.6 MB to about 1.4 MB);
    # server-sent events are left alone by the middleware.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    install_error_handlers(app)
    app.include_router(runs.router)
    app.include_router(exports.router)
    app.include_router(pages.router)
    app.include_router(compare.router)
    app.include_router(health.router)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    # Plotly.js from the installed package, so the page needs nothing from the internet.
    # StaticFiles answers If-None-Match with 304, so a repeat visit does not fetch it again.
    app.mount("/vendor/plotly", StaticFiles(directory=PLOTLY_DIR), name="plotly")
    return app


app = create_app()
