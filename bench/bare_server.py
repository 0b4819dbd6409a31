"""The honest floor for an HTTP request: a bare Starlette app, no middleware and no TensorFlow,
served by the same stack as Stepwise (app.serve: uvicorn with h11 and the request-head limits).

`make bench` (bench/table.py) starts it as `python -m bench.bare_server --port N` beside the
app and prices each HTTP row against its `/livez`, the same answer as the app's own. Started
with BENCH_BARE_ENGINE_STEP=1, it also answers `POST /step` with one step of the engine (row
5b'): the least a step through this stack can cost, with nothing of the app around it.
"""

import dataclasses
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.serve import parse_arguments, server

ENGINE_STEP_VARIABLE = "BENCH_BARE_ENGINE_STEP"


async def livez(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


# /healthz too, which tests.server.ServerProcess waits for.
HEALTH_ROUTES = [Route("/livez", livez), Route("/healthz", livez)]


def engine_step_route() -> Route:
    """`POST /step`: one update of a session on the sample's points, answered with its record.

    No store, owner, rate limit or middleware: the engine's step as it runs between requests,
    where the stack's own work has cooled the processor's caches that row 2's steps, back to
    back, keep warm (a step then costs two to three times as much).
    """
    # TensorFlow only in this process: the /livez floor's process stays without it.
    from app.domain.data import sample_dataset
    from app.domain.spec import TrainingSpec
    from app.training.model import LinearRegressionModel
    from bench.table import LEARNING_RATE

    model = LinearRegressionModel(sample_dataset(), TrainingSpec(LEARNING_RATE, 0))

    async def step(request: Request) -> Response:
        await request.body()
        return JSONResponse(dataclasses.asdict(model.step().record))

    return Route("/step", step, methods=["POST"])


def bare_app(engine_step: bool) -> Starlette:
    return Starlette(routes=[*HEALTH_ROUTES, *([engine_step_route()] if engine_step else [])])


if __name__ == "__main__":
    server(bare_app(os.environ.get(ENGINE_STEP_VARIABLE) == "1"), parse_arguments()).run()
