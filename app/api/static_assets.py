"""Files served at an address that names their content, so browsers keep them for good.

The pages' scripts, styles and images (static/) are served at `/static/{version}/…`, and each
browser library at `/vendor/{name}/{version}/…` (app/api/vendor_assets.py), where `version`
is a digest of the files' paths and bytes, taken when the app starts. A response there never
changes, so it is marked immutable for a year: a repeat visit asks the server for the page
and its data only, not for some seventy modules each answered 304. A change to any file
changes the address of all of them (the modules import each other by relative paths, so they
follow the page's entry module), and the next page load fetches the new ones.
"""

import hashlib
import os
from collections.abc import Iterable
from os import PathLike
from pathlib import Path

from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from app.settings import PROJECT_ROOT

# Long enough to outlast any visit; `immutable` keeps a reload from revalidating.
IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_LENGTH = 12  # Hex digits: collisions between two versions of the files are not a risk.
STATIC_DIRECTORY = PROJECT_ROOT / "static"


def content_version(directory: Path, names: Iterable[str] | None = None) -> str:
    """A digest of the files `names` in `directory` (every file under it by default): their
    paths and bytes. Missing files count as absent, so the version of a partial install differs
    from the whole one's."""
    relative = sorted(names) if names is not None else _all_files(directory)
    digest = hashlib.blake2b(digest_size=VERSION_LENGTH // 2)
    for name in relative:
        path = directory / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\0")
    return digest.hexdigest()


def _all_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


class ImmutableFiles(StaticFiles):
    """StaticFiles whose answers may be kept for good: they sit at a versioned address."""

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
