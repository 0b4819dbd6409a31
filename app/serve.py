"""Serve Stepwise: `python -m app.serve --host 0.0.0.0 --port 8000`.

`make run`, the Docker image and the tests' server processes all start the server this way,
so what is tested is what is served. It is uvicorn with the h11 parser, whose head size cap
httptools lacks, and with the limits of app/http_limits.py (the settings
`STEPWISE_HEADER_TIMEOUT_SECONDS`, `…_BODY_TIMEOUT_SECONDS`, `…_MAX_HEADER_BYTES` and
`…_MAX_HEADER_COUNT`). Always one process: each run's TensorFlow session lives in its memory.
"""

import argparse

import uvicorn
from starlette.types import ASGIApp

from app.http_limits import LimitedH11Protocol, RequestHeadLimit
from app.settings import get_settings

# What `make run` and the image pass; the Makefile says why.
SHUTDOWN_SECONDS = 3
KEEP_ALIVE_SECONDS = 75


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--timeout-graceful-shutdown", type=int, default=SHUTDOWN_SECONDS)
    parser.add_argument("--timeout-keep-alive", type=int, default=KEEP_ALIVE_SECONDS)
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def server(asgi_app: ASGIApp, arguments: argparse.Namespace) -> uvicorn.Server:
    """`asgi_app` served as Stepwise is: bench/bare_server.py measures the stack's own cost
    with it."""
    settings = get_settings()
    config = uvicorn.Config(
        RequestHeadLimit(asgi_app, settings.max_header_bytes, settings.max_header_count),
        host=arguments.host,
        port=arguments.port,
        http=LimitedH11Protocol,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_graceful_shutdown=arguments.timeout_graceful_shutdown,
        timeout_keep_alive=arguments.timeout_keep_alive,
        log_level=arguments.log_level,
    )
    return uvicorn.Server(config)


def main(argv: list[str] | None = None) -> None:
    # Imported here: the bare server serves its own app with server() and no TensorFlow.
    from app.main import app

    server(app, parse_arguments(argv)).run()


if __name__ == "__main__":
    main()
