"""Browser libraries the app serves from a copy of its own (no CDN): dagre, which lays out the
run page's graph.

npm installs them from `vendor/package.json` at the versions and checksums of
`vendor/package-lock.json` (`npm ci --prefix vendor`, which `make run`, `make test` and the
Dockerfile run); `vendor/node_modules` is not in git. Only the files the pages load are
served, as StaticFiles serves them (ETag, Last-Modified, 304 on revalidation), like Plotly.js.
"""

import logging
from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from app.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

VENDOR_MODULES = PROJECT_ROOT / "vendor" / "node_modules"
DAGRE_DIR = VENDOR_MODULES / "@dagrejs" / "dagre" / "dist"
# dagre's ES module build holds graphlib too: one file, no imports. Its licence notice is
# served beside it, where the file's last comment points.
DAGRE_FILES = ("dagre.esm.js", "dagre.esm.js.LEGAL.txt")
INSTALL_HINT = "`make run` installs it, or run `npm ci --prefix vendor`"


class ListedFiles(StaticFiles):
    """The files `names` of `directory`, and nothing else of it (404)."""

    def __init__(self, directory: Path, names: Iterable[str]) -> None:
        # Not checked at start-up: a missing copy is reported by `missing_assets` instead of
        # failing every request with a RuntimeError.
        super().__init__(directory=directory, check_dir=False)
        self.names = frozenset(names)

    async def check_config(self) -> None:
        return None

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path not in self.names or not (Path(str(self.directory)) / path).is_file():
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def missing_assets() -> list[Path]:
    """The served files that are not installed."""
    return [DAGRE_DIR / name for name in DAGRE_FILES if not (DAGRE_DIR / name).is_file()]


def report_missing_assets() -> None:
    """Say at start-up, with the fix, what the pages will lack."""
    for path in missing_assets():
        logger.error(
            "%s is missing: the run page cannot draw its graph without it (%s).",
            path,
            INSTALL_HINT,
        )


def install_vendor_assets(app: FastAPI) -> None:
    """Serve `/vendor/dagre/…`, the files of DAGRE_FILES."""
    app.mount("/vendor/dagre", ListedFiles(DAGRE_DIR, DAGRE_FILES), name="dagre")
