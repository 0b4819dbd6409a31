"""One table of Stepwise's costs, each row against a baseline measured in this same process.

Run with `make bench`. Times are medians over repeated batches; on a shared machine every row
shifts together, so the ratios are what to read.
"""

import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from app.domain.data import sample_dataset
from app.domain.records import Weights
from app.domain.spec import TrainingSpec
from app.training.graph_cache import GraphCache
from app.training.model import LinearRegressionModel
from bench.bare_server import ENGINE_STEP_VARIABLE
from bench.sample_program import SampleProgram
from tests.numpy_references import numpy_gradient_descent
from tests.owners import owner_headers
from tests.server import ServerProcess

LEARNING_RATE = 0.002
BATCHES = 7
RUN_LENGTH = 50
LIVE_SESSIONS = 500
CYCLES = 1000
LEARNER_PAUSE_SECONDS = 0.3  # Between a new run's page and its first Run (row 5d).
COLD_STARTS = 3
GC_SESSIONS = 256  # The default STEPWISE_MAX_LIVE_RUNS.
DATA_SIZES = (5, 1_000, 100_000, 1_000_000)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
POSTGRES_URL_VARIABLE = "BENCH_POSTGRES_URL"
MEMORY_ROWS_ONLY = "--memory-rows"


def median_seconds(call: Callable[[], object], per_batch: int, per_call: int = 1) -> float:
    """Median over BATCHES of the time of one unit (`per_call` units per call), after warm-up."""
    for _ in range(max(1, per_batch // 4)):
        call()
    means = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for _ in range(per_batch):
            call()
        means.append((time.perf_counter() - start) / (per_batch * per_call))
    return statistics.median(means)


def paired_medians(
    first: Callable[[], object], second: Callable[[], object], per_batch: int
) -> tuple[float, float]:
    """Median times of two calls measured in alternating batches, so both see the same load."""
    for _ in range(per_batch // 4):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(BATCHES * 3):
        for call, batch in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            for _ in range(per_batch):
                call()
            batch.append((time.perf_counter() - start) / per_batch)
    return statistics.median(times[0]), statistics.median(times[1])


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


class Table:
    def __init__(self, echo: bool = True) -> None:
        self.rows: list[tuple[str, str, str]] = []
        self.echo = echo  # Each row to stderr as it is measured: a full table takes minutes.

    def add(self, what: str, value: str, ratio: str) -> None:
        self.rows.append((what, value, ratio))
        if self.echo:
            print(f"  {what}: {value}  [{ratio}]", file=sys.stderr, flush=True)

    def print(self) -> None:
        print("| what | value | ratio |\n|---|---|---|")
        for what, value, ratio in self.rows:
            print(f"| {what} | {value} | {ratio} |")


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


def engine_rows(table: Table) -> tuple[float, float]:
    data = sample_dataset()
    with LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, 0)) as model:
        initial = model.evaluate().weights
        single = median_seconds(model.step, per_batch=300)
        fused = median_seconds(lambda: model.run(RUN_LENGTH), per_batch=10, per_call=RUN_LENGTH)
    with SampleProgram(data, Weights(initial.b, initial.m), LEARNING_RATE) as sample:
        baseline = median_seconds(sample.step, per_batch=300)
    start = np.array([initial.b, initial.m])
    numpy = median_seconds(
        lambda: numpy_gradient_descent(data, start, LEARNING_RATE, RUN_LENGTH),
        per_batch=20,
        per_call=RUN_LENGTH,
    )
    table.add("1. sample's loop, 3 session calls a step (baseline)", ms(baseline), "1.00")
    table.add(
        "2. engine: one step, one session call",
        ms(single),
        f"{single / baseline:.2f} × 1 (target ≤ 0.3)",
    )
    table.add(
        f"3. engine: run of {RUN_LENGTH} in one session call, per step",
        ms(fused),
        f"{fused / baseline:.2f} × 1",
    )
    table.add(
        "4. NumPy, the same arithmetic, per step (floor)", ms(numpy), f"{numpy / baseline:.2f} × 1"
    )
    return baseline, single


def http_rows(table: Table, baseline: float, single: float, database_url: str = "") -> None:
    """The HTTP rows, on the app's default SQLite, or on the store at `database_url`."""
    # The server runs in its own process, as in production: no GIL shared with the client.
    with tempfile.TemporaryDirectory() as scratch:
        # The per-run rate limit protects a class from one runaway client; the benchmark is
        # such a client on purpose, so it is lifted here.
        unlimited = {
            name: "1000000/second"
            for name in (
                "STEPWISE_RUN_RATE_LIMIT",
                "STEPWISE_CREATE_RATE_LIMIT",
                "STEPWISE_CREATE_RATE_LIMIT_PER_ADDRESS",
            )
        }
        if database_url:
            unlimited["STEPWISE_DATABASE_URL"] = database_url
        server = ServerProcess(Path(scratch) / "data", Path(scratch) / "server.log", env=unlimited)
        bare = ServerProcess(Path(scratch) / "bare", Path(scratch) / "bare.log")
        engine_step = ServerProcess(
            Path(scratch) / "engine",
            Path(scratch) / "engine.log",
            env={ENGINE_STEP_VARIABLE: "1"},
        )
        server.start()
        try:
            bare.start(bare_server_command(bare.port))
            engine_step.start(bare_server_command(engine_step.port))
            measured = Table(echo=False)  # Echoed below, with the store named.
            http_measure(
                measured,
                BareServers(bare.base_url, engine_step.base_url),
                server.base_url,
                baseline,
                single,
            )
            store = " (PostgreSQL)" if database_url else ""
            for what, value, ratio in measured.rows:
                table.add(what + store, value, ratio)
        finally:
            engine_step.stop()
            bare.stop()
            server.stop()


@dataclass(frozen=True)
class BareServers:
    """bench/bare_server.py twice: its `/livez` without TensorFlow (the floor of every HTTP
    row), and with the engine's step as `POST /step` (row 5b')."""

    floor_url: str
    engine_step_url: str


def bare_server_command(port: int) -> list[str]:
    """bench/bare_server.py on `port`: the same stack as the app, with nothing of the app."""
    return [sys.executable, "-m", "bench.bare_server", "--host", "127.0.0.1", "--port", str(port)]


def http_measure(
    table: Table, bare_servers: BareServers, base_url: str, baseline: float, single: float
) -> None:
    # Keep-alive, as a browser would.
    with (
        httpx.Client(base_url=base_url) as client,
        httpx.Client(base_url=bare_servers.floor_url) as bare,
        httpx.Client(base_url=bare_servers.engine_step_url) as bare_engine,
    ):
        run = client.post("/api/runs").json()
        run_id = run["id"]
        client.headers.update(owner_headers(run))  # Steps and streams are the owner's.
        bare_floor, step = paired_medians(
            lambda: bare.get("/livez").raise_for_status(),
            lambda: client.post(f"/api/runs/{run_id}/step", json={"n": 1}).raise_for_status(),
            per_batch=100,
        )
        bare_step, step_again = paired_medians(
            lambda: bare_engine.post("/step", json={"n": 1}).raise_for_status(),
            lambda: client.post(f"/api/runs/{run_id}/step", json={"n": 1}).raise_for_status(),
            per_batch=100,
        )
        floor, run_of_50 = paired_medians(
            lambda: client.get("/livez").raise_for_status(),
            lambda: client.post(
                f"/api/runs/{run_id}/step", json={"n": RUN_LENGTH}
            ).raise_for_status(),
            per_batch=10,
        )

        def stream() -> None:
            params = {"n": RUN_LENGTH}
            with client.stream("GET", f"/api/runs/{run_id}/stream", params=params) as response:
                for line in response.iter_lines():
                    if line.startswith("event: end"):
                        return

        sse = median_seconds(stream, per_batch=5, per_call=RUN_LENGTH)
        creating = paired_medians(
            lambda: client.get("/livez").raise_for_status(),
            lambda: client.post("/api/runs").raise_for_status(),
            per_batch=20,
        )
        paused_floor, first_run = first_run_seconds(client)
    table.add(
        "5a. HTTP floor: GET /livez of a bare Starlette app on the same server stack",
        ms(bare_floor),
        f"{bare_floor / baseline:.2f} × 1",
    )
    table.add(
        "5a'. the app's own GET /livez, through its middleware",
        ms(floor),
        f"{floor / bare_floor:.2f} × 5a",
    )
    table.add(
        "5b. HTTP step: POST /step n=1, stored",
        ms(step),
        f"{step / (bare_floor + single):.2f} × (5a + 2) (target ≤ 1.5)",
    )
    table.add(
        "5b'. the engine's step behind a bare endpoint on the same stack, no store, nothing "
        "of the app",
        ms(bare_step),
        f"{bare_step / (bare_floor + single):.2f} × (5a + 2); 5b measured beside it: "
        f"{step_again / bare_step:.2f} × 5b'",
    )
    table.add(
        f"5f. HTTP run of {RUN_LENGTH}: POST /step n={RUN_LENGTH}, stored, per step",
        ms(run_of_50 / RUN_LENGTH),
        f"{run_of_50 / RUN_LENGTH / baseline:.2f} × 1 (target ≤ 0.25)",
    )
    table.add(
        f"6. SSE: stream of {RUN_LENGTH}, request to final event, per step",
        ms(sse),
        f"{sse / baseline:.2f} × 1 (target ≤ 0.3)",
    )
    create_floor, create = creating
    table.add(
        "5c. create a run of shared settings: POST /api/runs",
        ms(create),
        f"{create / create_floor:.1f} × 5a' (target ≤ 10)",
    )
    table.add(
        f"5d. a new run's first Run {RUN_LENGTH}: POST /step n={RUN_LENGTH}",
        ms(first_run),
        f"{first_run / create_floor:.1f} × 5a'",
    )
    table.add(
        f"5e. GET /livez after a {LEARNER_PAUSE_SECONDS} s pause, as 5d is asked",
        ms(paused_floor),
        f"5d = {first_run / paused_floor:.1f} × 5e (target ≤ 10)",
    )


def first_run_seconds(client: httpx.Client) -> tuple[float, float]:
    """Median times of `GET /livez` and of the first Run of a run just created (its session
    is made then), each asked after the same pause.

    Learners arrive one after another here: each reads the new page for a moment before
    pressing Run, time in which the server readies a session for the next (a class arriving
    at once is bench/load_class.py's). Any request after a pause costs more than one right
    after another (idle connection, cold caches), so the floor is measured after one too.
    """
    floors, runs = [], []
    for _ in range(BATCHES * 4):
        time.sleep(LEARNER_PAUSE_SECONDS)
        start = time.perf_counter()
        client.get("/livez").raise_for_status()
        floors.append(time.perf_counter() - start)
        run = client.post("/api/runs").json()
        time.sleep(LEARNER_PAUSE_SECONDS)
        start = time.perf_counter()
        client.post(
            f"/api/runs/{run['id']}/step", json={"n": RUN_LENGTH}, headers=owner_headers(run)
        ).raise_for_status()
        runs.append(time.perf_counter() - start)
    return statistics.median(floors), statistics.median(runs)


def memory_rows_apart(table: Table) -> None:
    """Rows 7a and 7b, measured in a process of their own.

    A process's RSS depends on its heap's history: after the HTTP rows the same 1,000 cycles
    grew it by 16 to 31 MiB from one run to the next, as the allocator's free memory was
    scattered differently. The rows are about the engine's sessions, so they are measured
    where nothing else has run.
    """
    rows = subprocess.run(
        [sys.executable, "-m", "bench.table", MEMORY_ROWS_ONLY],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    for what, value, ratio in json.loads(rows):
        table.add(what, value, ratio)


def memory_rows(table: Table) -> None:
    data = sample_dataset()

    def cycle(seed: int) -> None:
        with LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, seed)) as model:
            model.step()
            model.run(3)

    for seed in range(50):  # Warm-up: caches and allocator pools fill once.
        cycle(seed)
    gc.collect()
    before = rss_bytes()
    for seed in range(CYCLES):
        cycle(seed)
    gc.collect()
    growth = rss_bytes() - before

    # A class: every student's run has the same settings, so their sessions share one graph.
    spec = TrainingSpec(LEARNING_RATE, 0)
    shared = GraphCache(1).get(data, spec)
    before = rss_bytes()
    live = []
    for _ in range(LIVE_SESSIONS):
        model = LinearRegressionModel(data, spec, shared)
        model.step()
        live.append(model)
    per_session = (rss_bytes() - before) / LIVE_SESSIONS
    for model in live:
        model.close()
    mib = 2**20
    table.add(
        f"7a. RSS per live session ({LIVE_SESSIONS} sessions of one shared graph)",
        f"{per_session / mib:.2f} MiB",
        "target ≤ 0.6 MiB",
    )
    table.add(
        f"7b. RSS growth over {CYCLES} create/step/close cycles",
        f"{growth / mib:.1f} MiB",
        "target ≤ 30 MiB",
    )


def seconds_until_healthy(command: list[str], url: str | None) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if url is None:
            process.wait(timeout=120)
            return time.perf_counter() - start
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return time.perf_counter() - start
            except httpx.TransportError:
                time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=30)


def cold_start_row(table: Table) -> None:
    bare = statistics.median(
        seconds_until_healthy([sys.executable, "-c", "import tensorflow"], None)
        for _ in range(COLD_STARTS)
    )
    starts = []
    for _ in range(COLD_STARTS):
        with tempfile.TemporaryDirectory() as data_dir:
            port = 18000 + len(starts)
            command = [
                sys.executable,
                "-m",
                "app.serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ]
            os.environ["STEPWISE_DATA_DIR"] = data_dir
            starts.append(seconds_until_healthy(command, f"http://127.0.0.1:{port}/healthz"))
    start = statistics.median(starts)
    table.add(
        "8. cold start: process start to /healthz answering",
        f"{start:.2f} s (import tensorflow: {bare:.2f} s)",
        f"{start / bare:.2f} × import",
    )


def growth_row(table: Table) -> None:
    times = []
    for size in DATA_SIZES:
        data = sample_dataset(num_points=size)
        with LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, 0)) as model:
            per_batch = max(3, 3000 // (1 + size // 100))
            times.append(median_seconds(model.step, per_batch=per_batch))
    cells = ", ".join(f"{size:,}: {ms(t)}" for size, t in zip(DATA_SIZES, times, strict=True))
    ratios = ", ".join(f"{t / times[0]:.1f}" for t in times)
    table.add("9. one step by number of points", cells, f"× 5 points: {ratios}")


def full_collection_seconds() -> float:
    times = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gc_row(table: Table) -> None:
    """A full collection's pause with GC_SESSIONS live sessions, with and without the
    `gc.freeze()` the app does once started (app/main.py), against the pause with none."""
    importlib.import_module("app.main")  # All the server loads, for the collections to traverse.
    empty = full_collection_seconds()
    gc.freeze()  # As the app's lifespan does: what is loaded by now is never traversed again.
    data = sample_dataset()
    live = [LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, s)) for s in range(GC_SESSIONS)]
    for model in live:
        model.step()
    frozen = full_collection_seconds()
    gc.unfreeze()
    unfrozen = full_collection_seconds()
    for model in live:
        model.close()
    table.add(
        f"10. full GC pause with {GC_SESSIONS} live sessions",
        f"{ms(unfrozen)}; after gc.freeze() at start-up, as the app does: {ms(frozen)}",
        f"× none ({ms(empty)}): {unfrozen / empty:.2f}, frozen {frozen / empty:.2f}",
    )


def main() -> None:
    table = Table()
    baseline, single = engine_rows(table)
    http_rows(table, baseline, single)
    # The same rows on PostgreSQL, when one is given (`bash .ci/postgres` starts one).
    if os.environ.get(POSTGRES_URL_VARIABLE):
        http_rows(table, baseline, single, os.environ[POSTGRES_URL_VARIABLE])
    memory_rows_apart(table)
    cold_start_row(table)
    growth_row(table)
    gc_row(table)
    table.print()


if __name__ == "__main__":
    if sys.argv[1:] == [MEMORY_ROWS_ONLY]:  # memory_rows_apart's process: the rows as JSON.
        rows = Table(echo=False)
        memory_rows(rows)
        print(json.dumps(rows.rows))
    else:
        main()
