"""Seconds per step: the sample's own loop, the engine's step, and a step over HTTP.

Run with `make bench`. Every figure is a median over repeated batches, printed with its ratio
to the sample's loop measured in this same process, so a busy machine shifts all rows alike.
"""

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn

from app.config import Settings
from app.main import create_app
from app.training.data import sample_dataset
from app.training.model import LinearRegressionModel
from app.training.records import Weights
from app.training.sample import SampleProgram

LEARNING_RATE = 0.002
WARMUP_STEPS = 50
STEPS_PER_BATCH = 200
BATCHES = 7


def seconds_per_call(call: Callable[[], object]) -> float:
    """Median over BATCHES of the mean time of one call, after a warm-up."""
    for _ in range(WARMUP_STEPS):
        call()
    means = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for _ in range(STEPS_PER_BATCH):
            call()
        means.append((time.perf_counter() - start) / STEPS_PER_BATCH)
    return statistics.median(means)


class BackgroundServer:
    """The app under uvicorn in a thread of this process, on a free loopback port."""

    def __init__(self, data_dir: Path) -> None:
        app = create_app(Settings(data_dir=data_dir))
        # Port 0: the system picks a free one, read back once the server is listening.
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> "BackgroundServer":
        self._thread.start()
        while not self._server.started:
            time.sleep(0.05)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join()


def main() -> None:
    data = sample_dataset()
    rows: list[tuple[str, float]] = []

    with LinearRegressionModel(data, LEARNING_RATE, seed=0) as model:
        initial = model.evaluate().weights
        rows.append(("engine step (1 session.run)", seconds_per_call(model.step)))
    with SampleProgram(data, Weights(initial.b, initial.m), LEARNING_RATE) as sample:
        baseline = seconds_per_call(sample.step)
    rows.insert(0, ("sample's loop (3 session calls)", baseline))

    with tempfile.TemporaryDirectory() as data_dir, BackgroundServer(Path(data_dir)) as server:
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base) as client:  # Keep-alive, as a browser would.
            run_id = client.post("/api/runs").json()["id"]
            rows.append(
                (
                    "HTTP GET /healthz (server floor)",
                    seconds_per_call(lambda: client.get("/healthz").raise_for_status()),
                )
            )
            rows.append(
                (
                    "HTTP step (POST /step, n=1, stored)",
                    seconds_per_call(
                        lambda: client.post(
                            f"/api/runs/{run_id}/step", json={"n": 1}
                        ).raise_for_status()
                    ),
                )
            )

    print(f"{'what':<40} {'ms per step':>12} {'× sample loop':>14}")
    for name, seconds in rows:
        print(f"{name:<40} {seconds * 1e3:>12.3f} {seconds / baseline:>14.2f}")


if __name__ == "__main__":
    main()
