"""Brotli copies of the browser libraries' scripts, made once when they are installed.

Plotly.js is most of what a first visit transfers: 1.5 MB, 496 KB gzipped on the fly, 410 KB as
Brotli at its highest quality. That quality takes seconds per file, too slow for each start of
the app or each request, so the copies are made where npm installs the files (`make` and the
Dockerfile run `python -m app.api.vendor_assets` right after `npm ci`, which empties
node_modules first, so a copy never outlives the file it was made from), and served, to
browsers that accept Brotli, in place of the file (app/api/vendor_assets.py).
"""

from pathlib import Path

import brotli
from starlette.datastructures import Headers
from starlette.types import Scope

BROTLI_SUFFIX = ".br"
BROTLI_ENCODING = "br"
# Brotli's highest: the copy is made once, and read by every browser.
QUALITY = 11
COMPRESSED_TYPES = (".js",)  # The licence texts are small and rarely read.


def brotli_copy(path: Path) -> Path:
    """The path of `path`'s Brotli copy (which may not exist)."""
    return path.with_name(path.name + BROTLI_SUFFIX)


def write_brotli_copy(path: Path) -> Path:
    """Write `path`'s Brotli copy beside it; the copy's path."""
    copy = brotli_copy(path)
    copy.write_bytes(brotli.compress(path.read_bytes(), quality=QUALITY))
    return copy


def accepts_brotli(scope: Scope) -> bool:
    """Whether the request's Accept-Encoding lists Brotli without refusing it (q=0)."""
    for coding in Headers(scope=scope).get("accept-encoding", "").split(","):
        name, *parameters = coding.split(";")
        if name.strip().lower() != BROTLI_ENCODING:
            continue
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False
