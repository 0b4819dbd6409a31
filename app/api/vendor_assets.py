"""Browser libraries the app serves from a copy of its own (no CDN): Plotly.js, which draws
every chart, and dagre, which lays out the run page's graph.

npm installs them from `vendor/package.json` at the versions and checksums of
`vendor/package-lock.json` (`npm ci --prefix vendor`, which `make run`, `make test` and the
Dockerfile run); `vendor/node_modules` is not in git. Only the files the pages load, and their
licences, are served, as StaticFiles serves them (ETag, Last-Modified, 304 on revalidation).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from app.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

VENDOR_MODULES = PROJECT_ROOT / "vendor" / "node_modules"
INSTALL_HINT = "`make run` installs it, or run `npm ci --prefix vendor`"


@dataclass(frozen=True)
class VendorLibrary:
    """Files of one npm package, served at `/vendor/{name}/…` (the route is named `name`)."""

    name: str
    directory: Path
    files: tuple[str, ...]
    needed_for: str  # What the pages cannot do without it, for the start-up message.

    @property
    def path(self) -> str:
        return f"/vendor/{self.name}"


# Plotly's official partial bundle with the cartesian traces (scatter and contour are all the
# pages draw): a third of the full bundle's size and parsing time.
PLOTLY = VendorLibrary(
    "plotly",
    VENDOR_MODULES / "plotly.js-cartesian-dist-min",
    ("plotly-cartesian.min.js", "LICENSE"),
    "no chart can be drawn",
)
# dagre's ES module build holds graphlib too: one file, no imports. Its licence notice is
# served beside it, where the file's last comment points.
DAGRE = VendorLibrary(
    "dagre",
    VENDOR_MODULES / "@dagrejs" / "dagre" / "dist",
    ("dagre.esm.js", "dagre.esm.js.LEGAL.txt"),
    "the run page cannot draw its graph",
)
VENDOR_LIBRARIES = (PLOTLY, DAGRE)


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


def missing_assets() -> list[tuple[VendorLibrary, Path]]:
    """The served files that are not installed, with their library."""
    return [
        (library, library.directory / name)
        for library in VENDOR_LIBRARIES
        for name in library.files
        if not (library.directory / name).is_file()
    ]


def report_missing_assets() -> None:
    """Say at start-up, with the fix, what the pages will lack."""
    for library, path in missing_assets():
        logger.error("%s is missing: %s without it (%s).", path, library.needed_for, INSTALL_HINT)


def install_vendor_assets(app: FastAPI) -> None:
    """Serve each library's listed files at its path."""
    for library in VENDOR_LIBRARIES:
        app.mount(library.path, ListedFiles(library.directory, library.files), name=library.name)
