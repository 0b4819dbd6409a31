"""Browser libraries the app serves from a copy of its own (no CDN): Plotly.js, which draws
every chart, and dagre, which lays out the run page's graph.

npm installs them from `vendor/package.json` at the versions and checksums of
`vendor/package-lock.json` (`npm ci --prefix vendor`, which `make run`, `make test` and the
Dockerfile run); `vendor/node_modules` is not in git. Only the files the pages load, and their
licences, are served, at `/vendor/{name}/{version}/…`, kept by browsers for good
(app/api/static_assets.py).
"""

import logging
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

from app.api.precompressed import (
    BROTLI_ENCODING,
    COMPRESSED_TYPES,
    accepts_brotli,
    brotli_copy,
    write_brotli_copy,
)
from app.api.static_assets import ImmutableFiles, content_version
from app.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

VENDOR_MODULES = PROJECT_ROOT / "vendor" / "node_modules"
INSTALL_HINT = "`make run` installs it, or run `npm ci --prefix vendor`"


@dataclass(frozen=True)
class VendorLibrary:
    """Files of one npm package, served at `/vendor/{name}/{version}/…` (the route is named
    `name`)."""

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


class ListedFiles(ImmutableFiles):
    """The files `names` of `directory`, and nothing else of it (404)."""

    def __init__(self, directory: Path, names: Iterable[str]) -> None:
        # Not checked at start-up: a missing copy is reported by `missing_assets` instead of
        # failing every request with a RuntimeError.
        super().__init__(directory=directory, check_dir=False)
        self.names = frozenset(names)

    async def check_config(self) -> None:
        return None

    async def get_response(self, path: str, scope: Scope) -> Response:
        full_path = Path(str(self.directory)) / path
        if path not in self.names or not full_path.is_file():
            raise HTTPException(status_code=404)
        copy = brotli_copy(full_path)
        if accepts_brotli(scope) and copy.is_file():
            return self.brotli_response(full_path, copy, scope)
        return await super().get_response(path, scope)

    def brotli_response(self, original: Path, copy: Path, scope: Scope) -> Response:
        """The Brotli copy, as the original file compressed (its type, its encoding)."""
        response = self.file_response(copy, copy.stat(), scope)
        media_type = mimetypes.guess_type(original.name)[0] or "application/octet-stream"
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        response.headers["Content-Type"] = media_type
        response.headers["Content-Encoding"] = BROTLI_ENCODING
        response.headers["Vary"] = "Accept-Encoding"
        return response


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
    """Serve each library's listed files at its path and the version of those files."""
    for library in VENDOR_LIBRARIES:
        version = content_version(library.directory, library.files)
        files = ListedFiles(library.directory, library.files)
        app.mount(f"{library.path}/{version}", files, name=library.name)


def write_brotli_copies() -> None:
    """Make the Brotli copy of each library's scripts (after `npm ci`: see precompressed.py)."""
    for library in VENDOR_LIBRARIES:
        for name in library.files:
            path = library.directory / name
            if path.suffix in COMPRESSED_TYPES:
                copy = write_brotli_copy(path)
                print(f"{copy}: {path.stat().st_size:,} bytes, {copy.stat().st_size:,} as Brotli")


if __name__ == "__main__":
    write_brotli_copies()
