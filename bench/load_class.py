"""A class at once: every student creates a run, steps it 5 times, streams 50 steps, then
reloads the run and its page, all students at the same moment.

Run with `make bench-class` (200 students against a server it starts on a free loopback port),
or `python -m bench.load_class --students 30 --base-url http://127.0.0.1:8000 --pid PID` for a
server already running on this machine. It prints the errors by kind, the answers the server
gave on purpose (429 and 503, retried after their Retry-After), the p50 and p95 time of each
action as a student waits for it (retries included), the steps per second over the whole class,
and the server's peak memory.

Traffic stays on this machine: only loopback addresses are accepted, every loop is bounded,
and the whole class is given a deadline.
"""

import argparse
import asyncio
import ipaddress
import json
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.server import ServerProcess

STEPS = 5
STREAMED = 50
ACTIONS = ("create", "step", "stream", "reload run", "reload page")
DELIBERATE = {429, 503}
MAX_ATTEMPTS = 20  # Per action: a student gives up after this many refusals.
BUSY_STREAM_WAIT_SECONDS = 1.0  # A stream that ends `busy` carries no Retry-After.
REQUEST_TIMEOUT_SECONDS = 120.0
CLASS_DEADLINE_SECONDS = 600.0


@dataclass
class Tally:
    """What the whole class saw."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    deliberate: Counter[str] = field(default_factory=Counter)
    steps: int = 0
    students_done: int = 0

    def error(self, action: str, kind: str) -> None:
        self.errors[f"{action}: {kind}"] += 1


class GaveUpError(Exception):
    """A student was refused MAX_ATTEMPTS times in a row, or the answer was an error."""


def retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


class Student:
    """One learner's browser: one run, its owner token, and the tally to report to."""

    def __init__(self, client: httpx.AsyncClient, tally: Tally) -> None:
        self.client = client
        self.tally = tally
        self.headers: dict[str, str] = {}
        self.run_id = ""

    async def request(self, action: str, method: str, url: str, **kwargs: object) -> httpx.Response:
        """One action, retried after each deliberate refusal as the page would."""
        for _ in range(MAX_ATTEMPTS):
            try:
                response = await self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
            except httpx.HTTPError as error:
                self.tally.error(action, type(error).__name__)
                raise GaveUpError from error
            if response.status_code in DELIBERATE:
                self.tally.deliberate[f"{action}: {response.status_code}"] += 1
                await asyncio.sleep(retry_after(response))
                continue
            if response.is_error:
                self.tally.error(action, str(response.status_code))
                raise GaveUpError(response.text)
            return response
        self.tally.error(action, f"refused {MAX_ATTEMPTS} times")
        raise GaveUpError(action)

    async def timed(self, action: str, method: str, url: str, **kwargs: object) -> httpx.Response:
        started = time.perf_counter()
        response = await self.request(action, method, url, **kwargs)
        self.tally.seconds[action].append(time.perf_counter() - started)
        return response

    async def create(self) -> None:
        run = (await self.timed("create", "POST", "/api/runs", json={})).json()
        self.run_id = run["id"]
        if run.get("owner_token"):
            self.headers = {"X-Owner-Token": run["owner_token"]}

    async def step(self) -> None:
        url = f"/api/runs/{self.run_id}/step"
        answer = await self.timed("step", "POST", url, json={"n": 1}, headers=self.headers)
        self.tally.steps += len(answer.json()["records"])

    async def stream(self, n: int) -> None:
        """Stream `n` steps to the end event; a stream refused or ended `busy` is started
        again for the steps still missing, as the page's Run button would be pressed again."""
        started = time.perf_counter()
        missing = n
        for _ in range(MAX_ATTEMPTS):
            received, reason = await self.stream_once(missing)
            missing -= received
            if reason == "completed" and missing == 0:
                self.tally.seconds["stream"].append(time.perf_counter() - started)
                return
            if reason not in ("busy", "refused"):
                self.tally.error("stream", f"ended {reason} after {n - missing} of {n} steps")
                raise GaveUpError(reason)
        self.tally.error("stream", f"refused {MAX_ATTEMPTS} times")
        raise GaveUpError("stream")

    async def stream_once(self, n: int) -> tuple[int, str]:
        """Steps received and the end event's reason ('refused' for a 429 or 503 answer)."""
        params = {"n": n, "interval_ms": 0}
        url = f"/api/runs/{self.run_id}/stream"
        try:
            async with self.client.stream("GET", url, params=params, headers=self.headers) as sse:
                if sse.status_code in DELIBERATE:
                    self.tally.deliberate[f"stream: {sse.status_code}"] += 1
                    await asyncio.sleep(retry_after(sse))
                    return 0, "refused"
                if sse.is_error:
                    self.tally.error("stream", str(sse.status_code))
                    raise GaveUpError(sse.status_code)
                return await self.read_events(sse)
        except httpx.HTTPError as error:
            self.tally.error("stream", type(error).__name__)
            raise GaveUpError from error

    async def read_events(self, sse: httpx.Response) -> tuple[int, str]:
        received, event = 0, ""
        async for line in sse.aiter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
                if event == "step":
                    received += 1
            elif line.startswith("data:") and event == "end":
                reason = str(json.loads(line.removeprefix("data:"))["reason"])
                self.tally.steps += received
                if reason == "busy":
                    self.tally.deliberate["stream: ended busy"] += 1
                    await asyncio.sleep(BUSY_STREAM_WAIT_SECONDS)
                return received, reason
        self.tally.steps += received
        return received, "closed without an end event"

    async def reload(self) -> None:
        await self.timed("reload run", "GET", f"/api/runs/{self.run_id}")
        await self.timed("reload page", "GET", f"/runs/{self.run_id}")

    async def attend(self, start: asyncio.Event) -> None:
        await start.wait()
        try:
            await self.create()
            for _ in range(STEPS):
                await self.step()
            await self.stream(STREAMED)
            await self.reload()
            self.tally.students_done += 1
        except GaveUpError:
            pass  # Counted where it happened; the student stops, as a learner would.


async def play_class(base_url: str, students: int) -> tuple[Tally, float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=students * 2, max_keepalive_connections=students)
    timeout = httpx.Timeout(REQUEST_TIMEOUT_SECONDS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        start = asyncio.Event()
        tasks = [asyncio.create_task(Student(client, tally).attend(start)) for _ in range(students)]
        began = time.perf_counter()
        start.set()  # Everyone at once: "open the link and press Step".
        _, late = await asyncio.wait(tasks, timeout=CLASS_DEADLINE_SECONDS)
        for task in late:
            task.cancel()
        if late:
            tally.errors["still busy at the deadline"] += len(late)
        return tally, time.perf_counter() - began


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak resident set) of a process, from /proc."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(tally: Tally, students: int, seconds: float, memory: dict[str, dict[str, int]]) -> None:
    print(f"\n{students} students, {tally.students_done} finished, in {seconds:.1f} s")
    print(f"\n{'action':<12} {'count':>6} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for action in ACTIONS:
        values = tally.seconds.get(action, [])
        if values:
            p50, p95 = statistics.median(values), percentile(values, 0.95)
            print(
                f"{action:<12} {len(values):>6} {p50 * 1e3:>9.1f} {p95 * 1e3:>9.1f}"
                f" {max(values) * 1e3:>9.1f}"
            )
    print(f"\nsteps: {tally.steps} in {seconds:.1f} s = {tally.steps / seconds:.0f} steps/s")
    print("errors:", dict(tally.errors) or "none")
    print("deliberate (retried after Retry-After):", dict(tally.deliberate) or "none")
    for moment, fields in memory.items():
        text = ", ".join(f"{name} {kib / 1024:.0f} MiB" for name, kib in fields.items())
        print(f"server memory {moment}: {text}")


def require_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname or ""
    loopback = host == "localhost"
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback:
        raise SystemExit(f"{base_url}: this load test only runs against this machine (loopback)")


def run_against(base_url: str, students: int, pid: int | None) -> int:
    require_loopback(base_url)
    memory = {"before": memory_kib(pid)} if pid else {}
    tally, seconds = asyncio.run(play_class(base_url, students))
    if pid:
        memory["after"] = memory_kib(pid)
    report(tally, students, seconds, memory)
    return 1 if tally.errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--base-url", help="a running server (loopback only); default: start one")
    parser.add_argument("--pid", type=int, help="the running server's process id, for memory")
    args = parser.parse_args()
    if args.base_url:
        raise SystemExit(run_against(args.base_url, args.students, args.pid))
    with tempfile.TemporaryDirectory() as scratch:
        server = ServerProcess(Path(scratch) / "data", Path(scratch) / "server.log").start()
        try:
            assert server.process is not None
            status = run_against(server.base_url, args.students, server.process.pid)
        finally:
            server.stop()
        if status:  # What the server said about it, before its log goes with the scratch dir.
            logged = server.log_path.read_text(errors="replace").splitlines()
            print(*[line for line in logged if "ERROR" in line or "Error" in line][:20], sep="\n")
    raise SystemExit(status)


if __name__ == "__main__":
    main()
