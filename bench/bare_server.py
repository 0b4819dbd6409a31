"""The honest floor for an HTTP request: a bare Starlette app, no middleware and no TensorFlow,
served by the same stack as Stepwise (app.serve: uvicorn with h11 and the request-head limits).

`make bench` (bench/table.py) starts it as `python -m bench.bare_server --port N` beside the
app and prices each HTTP row against its `/livez`, the same answer as the app's own.
"""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.serve import parse_arguments, server


async def livez(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


# /healthz too, which tests.server.ServerProcess waits for.
BARE_APP = Starlette(routes=[Route("/livez", livez), Route("/healthz", livez)])

if __name__ == "__main__":
    server(BARE_APP, parse_arguments()).run()
