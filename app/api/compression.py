"""Compressed answers, priced for a server that a whole class shares.

Zstandard where the browser takes it (Chromium and Firefox do), Brotli or gzip otherwise, at
levels chosen by cost: the run page (86 KB) takes 0.3 ms at zstd level 3 and goes as 22 KB,
where gzip at level 6, the earlier default, took 2.7 ms for 21.7 KB (measured in `make
bench`'s conditions). Bodies under 1 KB go as they are: a step's answer saves a few hundred
bytes for the cost of a compressor. Server-sent events go as they are too, each at once:
compression would have to flush every event, and holds none back only if it does.
Files already compressed (the Brotli copies of Plotly.js and dagre) pass untouched.
"""

from fastapi import FastAPI
from starlette_compress import CompressMiddleware, remove_compress_type

MINIMUM_SIZE = 1024
ZSTD_LEVEL = 3
BROTLI_QUALITY = 4
GZIP_LEVEL = 4


def install_compression(app: FastAPI) -> None:
    remove_compress_type("text/event-stream")
    app.add_middleware(
        CompressMiddleware,
        minimum_size=MINIMUM_SIZE,
        zstd_level=ZSTD_LEVEL,
        brotli_quality=BROTLI_QUALITY,
        gzip_level=GZIP_LEVEL,
    )
