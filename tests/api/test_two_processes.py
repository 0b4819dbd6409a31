"""Two real server processes on one database stepping the same run at once, as two replicas
behind a load balancer that does not route by run (or while a replica restarts) would.

Every step must be stored exactly once, 1..N in order, and the history must be bit for bit
that of the same run stepped by one process alone. On PostgreSQL the processes take turns
computing the run (app/runs/run_locks.py): none computes a step twice, none is refused for
losing a race, and a long stream on one completes while the other is sent steps.
"""

import itertools
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.sse import parse_events
from tests.databases import BACKENDS, fresh_database
from tests.owners import owner_headers
from tests.server import ServerProcess

pytestmark = pytest.mark.slow  # Starts server processes: not in the fast tier.

# Adam on mini-batches: after each catch-up the slots (m, v, β powers) and the batch schedule
# must continue exactly, not only the weights.
CONFIG = {"optimizer": {"name": "adam"}, "learning_rate": 0.05, "seed": 7, "batch_size": 2}
REQUESTS_PER_SERVER = 10  # Step requests, n = 1..5 in turn, from two threads per server.
THREADS_PER_SERVER = 2
STREAMED_PER_SERVER = 12  # And one unpaced stream per server at the same time.
TIMEOUT = httpx.Timeout(60.0)
CONTENDED_RETRIES = 5
CONFLICT_LOG = re.compile(r"another process stored its steps")
LONG_STREAM = 1000  # A stream on one process while the other is sent small step requests.
FEW_REFUSED = 3  # Of those requests, at most this many may be answered 503 (Retry-After).
LARGE_REQUESTS = 10  # Requests of LARGE_N steps at once, alternating between the processes.
LARGE_N = 100


class Pair:
    def __init__(self, backend: str, servers: list[ServerProcess]) -> None:
        self.backend = backend
        self.servers = servers

    def api(self, index: int) -> str:
        return f"{self.servers[index].base_url}/api/runs"

    def conflicts(self) -> int:
        """Steps refused by the store because the other process stored first (both logs)."""
        return sum(len(CONFLICT_LOG.findall(s.log_path.read_text())) for s in self.servers)


@pytest.fixture(scope="module", params=BACKENDS)
def pair(request, tmp_path_factory) -> Iterator[Pair]:
    directory = tmp_path_factory.mktemp(f"two-{request.param}")
    with fresh_database(request.param, directory / "data") as url:
        env = {"STEPWISE_DATABASE_URL": url, "STEPWISE_RUN_RATE_LIMIT": "1000/second"}
        servers: list[ServerProcess] = []
        try:
            for name in ("a", "b"):
                log = directory / f"server-{name}.log"
                servers.append(ServerProcess(directory / "data", log, env=env).start())
            yield Pair(request.param, servers)
        finally:
            for server in servers:
                server.stop()


def create(api: str) -> tuple[str, dict[str, str]]:
    run = httpx.post(api, json=CONFIG, timeout=TIMEOUT).json()
    return run["id"], owner_headers(run) if "owner_token" in run else {}


def stored(api: str, run_id: str) -> list[dict]:
    response = httpx.get(f"{api}/{run_id}", timeout=TIMEOUT)
    response.raise_for_status()
    return list(response.json()["history"])


def uninterrupted(api: str, steps: int) -> list[dict]:
    """The same run stepped by one process alone, with no other process near it."""
    run_id, headers = create(api)
    httpx.post(
        f"{api}/{run_id}/step", json={"n": steps}, headers=headers, timeout=TIMEOUT
    ).raise_for_status()
    return stored(api, run_id)


def run_live_on_both(pair) -> tuple[str, dict[str, str], int]:
    """A new run with its session live in each process (none lags), its owner's headers, and
    how many computations were redone so far."""
    run_id, headers = create(pair.api(0))
    for server in range(len(pair.servers)):
        stored(pair.api(server), run_id)
    return run_id, headers, pair.conflicts()


def test_concurrent_steps_from_two_processes_are_stored_once_and_exact(pair):
    run_id, headers, conflicts_before = run_live_on_both(pair)
    answers: list[tuple[str, int, list[dict]]] = []  # (what, status, records received)
    contended: list[str] = []  # 503 answers: the request lost every race (STORE_ATTEMPTS).
    answers_lock = threading.Lock()
    start = threading.Barrier(len(pair.servers) * (THREADS_PER_SERVER + 1))

    def step_requests(server: int, sizes: list[int]) -> None:
        with httpx.Client(timeout=TIMEOUT, headers=headers) as client:
            start.wait()
            for n in sizes:
                response = client.post(f"{pair.api(server)}/{run_id}/step", json={"n": n})
                for _ in range(CONTENDED_RETRIES):  # As a client should: see Retry-After.
                    if response.status_code != 503:
                        break
                    with answers_lock:
                        contended.append(response.json()["detail"])
                    time.sleep(float(response.headers["Retry-After"]))
                    response = client.post(f"{pair.api(server)}/{run_id}/step", json={"n": n})
                records = response.json()["records"] if response.status_code == 200 else []
                with answers_lock:
                    answers.append((f"step n={n}", response.status_code, records))

    def stream(server: int) -> None:
        url = f"{pair.api(server)}/{run_id}/stream"
        params = {"n": STREAMED_PER_SERVER}
        start.wait()
        with httpx.stream("GET", url, params=params, headers=headers, timeout=TIMEOUT) as sse:
            events = parse_events(sse.iter_lines())
            status = sse.status_code
        # A step event is the step's record plus the predictions of its weights.
        records = [
            {key: value for key, value in data.items() if key != "predictions"}
            for kind, data in events
            if kind == "step"
        ]
        kind, end = events[-1]
        with answers_lock:
            answers.append((f"stream ({kind}: {end.get('reason')})", status, records))

    sizes = [1 + i % 5 for i in range(REQUESTS_PER_SERVER)]
    threads = [threading.Thread(target=stream, args=(s,)) for s in range(len(pair.servers))]
    for server in range(len(pair.servers)):
        for t in range(THREADS_PER_SERVER):
            share = sizes[t::THREADS_PER_SERVER]
            threads.append(threading.Thread(target=step_requests, args=(server, share)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    expected = len(pair.servers) * (sum(sizes) + STREAMED_PER_SERVER)
    assert len(answers) == len(pair.servers) * (REQUESTS_PER_SERVER + 1)
    assert [(what, status) for what, status, _ in answers if status != 200] == []
    assert sorted(what for what, _, _ in answers if what.startswith("stream")) == [
        "stream (end: completed)"
    ] * len(pair.servers)
    history = stored(pair.api(1), run_id)
    # Steps 1..N, each once and in order, and each answered to exactly one client as stored.
    assert [record["step"] for record in history] == list(range(1, expected + 1))
    received = itertools.chain.from_iterable(records for _, _, records in answers)
    received = sorted(received, key=lambda record: record["step"])
    assert received == history
    for _, _, records in answers:  # Each answer is one unbroken stretch of the history.
        steps = [record["step"] for record in records]
        assert steps == list(range(steps[0], steps[0] + len(steps)))
    assert history == uninterrupted(pair.api(0), expected)
    redone = pair.conflicts() - conflicts_before
    print(  # Shown with `pytest -s`: how hard the two processes raced.
        f"\n{pair.backend}: {len(answers)} requests, {expected} steps, "
        f"{redone} computations refused by the store and redone, "
        f"{len(contended)} requests answered 503 and sent again"
    )
    if pair.backend == "postgresql":  # They took turns (the run's lock): no race to redo.
        assert (redone, contended) == (0, [])


def needs_postgresql(pair: Pair) -> None:
    if pair.backend != "postgresql":
        # SQLite is one process's file: nothing there makes two processes take turns.
        pytest.skip("a run's computation is exclusive across processes on PostgreSQL only")


def step_events(events: list[tuple[str, dict]]) -> list[dict]:
    """The records of a stream's `step` events (a record plus its weights' predictions)."""
    return [
        {key: value for key, value in data.items() if key != "predictions"}
        for kind, data in events
        if kind == "step"
    ]


def test_a_long_stream_and_small_steps_in_two_processes_take_turns(pair):
    """A stream of 1,000 on A while B is sent step requests of 1..5 for the same run: the
    processes take turns (a per-run lock in PostgreSQL) instead of racing, so the stream
    completes and B's requests are answered, none refused for losing races."""
    needs_postgresql(pair)
    run_id, headers, conflicts_before = run_live_on_both(pair)
    streamed: list[tuple[str, dict]] = []
    done = threading.Event()
    start = threading.Barrier(2)

    def stream() -> None:
        url = f"{pair.api(0)}/{run_id}/stream"
        try:
            start.wait()
            with httpx.stream(
                "GET", url, params={"n": LONG_STREAM}, headers=headers, timeout=TIMEOUT
            ) as sse:
                streamed.extend(parse_events(sse.iter_lines()))
        finally:
            done.set()

    streamer = threading.Thread(target=stream)
    streamer.start()
    answers: list[tuple[int, str, list[dict]]] = []  # (status, detail, records) of B's requests
    with httpx.Client(timeout=TIMEOUT, headers=headers) as client:
        start.wait()
        for n in itertools.cycle(range(1, 6)):
            if done.is_set():
                break
            response = client.post(f"{pair.api(1)}/{run_id}/step", json={"n": n})
            body = response.json()
            answers.append((response.status_code, body.get("detail", ""), body.get("records", [])))
    streamer.join(timeout=300)

    kind, end = streamed[-1]
    records = step_events(streamed)
    refused = [detail for status, detail, _ in answers if status == 503]
    print(  # Shown with `pytest -s`.
        f"\nstream: {len(records)} events, end {end.get('reason')} ({end.get('detail')}); "
        f"B: {len(answers)} requests, {len(refused)} answered 503; "
        f"{pair.conflicts() - conflicts_before} computations refused by the store and redone"
    )
    assert (kind, end["reason"], len(records)) == ("end", "completed", LONG_STREAM)
    assert [status for status, _, _ in answers if status not in (200, 503)] == []
    assert len(refused) <= FEW_REFUSED
    assert [detail for detail in refused if "at the same moment" in detail] == []
    b_records = [record for _, _, got in answers for record in got]
    # They took turns: some of B's steps fall between the stream's first and last.
    first, last = records[0]["step"], records[-1]["step"]
    assert any(first < record["step"] < last for record in b_records)
    history = stored(pair.api(1), run_id)
    assert [record["step"] for record in history] == list(range(1, len(history) + 1))
    assert sorted([*records, *b_records], key=lambda record: record["step"]) == history
    assert history == uninterrupted(pair.api(0), len(history))
    # Each computed once: the lock, not the store's refusal, kept them apart.
    assert pair.conflicts() == conflicts_before


def test_large_step_requests_alternating_between_processes_all_succeed(pair):
    """Ten requests of n=100 at once, alternating between A and B: each waits its turn."""
    needs_postgresql(pair)
    run_id, headers, conflicts_before = run_live_on_both(pair)
    answers: list[tuple[int, dict]] = []
    answers_lock = threading.Lock()
    start = threading.Barrier(LARGE_REQUESTS)

    def step(server: int) -> None:
        with httpx.Client(timeout=TIMEOUT, headers=headers) as client:
            start.wait()
            response = client.post(f"{pair.api(server)}/{run_id}/step", json={"n": LARGE_N})
        with answers_lock:
            answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=step, args=(i % 2,)) for i in range(LARGE_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    refused = [body["detail"] for status, body in answers if status != 200]
    print(
        f"\n{LARGE_REQUESTS} requests of n={LARGE_N}: {len(refused)} refused; "
        f"{pair.conflicts() - conflicts_before} computations refused by the store and redone"
    )
    assert len(answers) == LARGE_REQUESTS
    assert refused == []
    expected = LARGE_REQUESTS * LARGE_N
    history = stored(pair.api(1), run_id)
    assert [record["step"] for record in history] == list(range(1, expected + 1))
    received = sorted(
        (record for _, body in answers for record in body["records"]),
        key=lambda record: record["step"],
    )
    assert received == history
    assert history == uninterrupted(pair.api(1), expected)
    assert pair.conflicts() == conflicts_before


def test_a_reset_through_one_process_is_seen_by_the_other(pair):
    run_id, headers = create(pair.api(0))
    httpx.post(
        f"{pair.api(0)}/{run_id}/step", json={"n": 5}, headers=headers, timeout=TIMEOUT
    ).raise_for_status()
    httpx.post(f"{pair.api(1)}/{run_id}/reset", headers=headers, timeout=TIMEOUT).raise_for_status()
    answer = httpx.post(
        f"{pair.api(0)}/{run_id}/step", json={"n": 3}, headers=headers, timeout=TIMEOUT
    )
    assert [record["step"] for record in answer.json()["records"]] == [1, 2, 3]
    assert stored(pair.api(1), run_id) == uninterrupted(pair.api(1), 3)
