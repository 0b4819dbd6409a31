"""A class at once: every student follows the teacher's assignment link (which starts a run),
steps it 5 times, streams 50 steps, then reloads the run and its page, all at the same moment.

Run with `make bench-class`: 200 students twice, each time against a server it starts on a free
loopback port, first alone, then with the teacher's live view open (polling the assignment's
summary as /class/assignments/{id} does), and the ratio of the students' step times between the
two. Or `python -m bench.load_class --students 30 --base-url http://127.0.0.1:8000 --pid PID
--teacher-token TOKEN` for a server already running on this machine. It prints the errors by
kind, the answers the server gave on purpose (429 and 503, retried after their Retry-After), the
p50 and p95 time of each action as a student waits for it (retries included), the steps per
second over the whole class, the server's peak memory, and the teacher's refresh times.

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
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.server import ServerProcess

TEACHER_TOKEN = "bench-teacher-token-0123456789"  # The started server's, for the live view.
TEACHER_REFRESH_SECONDS = 1.5  # As static/js/class-page/live-view.js refreshes.
# What a browser sends when a person opens a link in a new tab (app/api/navigation.py).
NAVIGATION_HEADERS = {
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Site": "none",
}

STEPS = 5
STREAMED = 50
ACTIONS = ("create", "step", "stream", "reload run", "reload page")
DELIBERATE = {429, 503}
UNEXPECTED_REDIRECTS = {301, 302, 307, 308}  # The assignment link answers 303.
MAX_ATTEMPTS = 20  # Per action: a student gives up after this many refusals.
BUSY_STREAM_WAIT_SECONDS = 1.0  # A stream that ends `busy` carries no Retry-After.
REQUEST_TIMEOUT_SECONDS = 120.0
# A browser's connections to one server: a stream and a request beside it.
BROWSER_LIMITS = httpx.Limits(max_connections=2, max_keepalive_connections=2)
CLASS_DEADLINE_SECONDS = 600.0


@dataclass
class Tally:
    """What the whole class saw."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    deliberate: Counter[str] = field(default_factory=Counter)
    steps: int = 0
    students_done: int = 0
    teacher_seconds: list[float] = field(default_factory=list)
    runs_seen: int = 0  # By the teacher's last refresh.
    generator_cpu_seconds: float = 0.0  # This script's own CPU time, which the server lacked.

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
            if response.is_error or response.status_code in UNEXPECTED_REDIRECTS:
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

    async def create(self, assignment_link: str) -> None:
        """Open the assignment's link: the server starts the run and redirects to its page,
        with the owner token in the fragment."""
        answer = await self.timed("create", "GET", assignment_link, headers=NAVIGATION_HEADERS)
        page, _, fragment = answer.headers["location"].partition("#owner=")
        self.run_id = page.rsplit("/", 1)[-1].split("?")[0]
        self.headers = {"X-Owner-Token": fragment}

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

    async def attend(self, start: asyncio.Event, assignment_link: str) -> None:
        await start.wait()
        try:
            await self.create(assignment_link)
            for _ in range(STEPS):
                await self.step()
            await self.stream(STREAMED)
            await self.reload()
            self.tally.students_done += 1
        except GaveUpError:
            pass  # Counted where it happened; the student stops, as a learner would.


def create_assignment(base_url: str, teacher_token: str, title: str = "Fit the line") -> str:
    """The teacher makes an assignment of the default settings on /class; its link."""
    answer = httpx.post(
        f"{base_url}/class/assignments",
        json={"title": title, "instructions": "Step, then Run 50."},
        headers={"Authorization": f"Bearer {teacher_token}", "Sec-Fetch-Site": "same-origin"},
    )
    answer.raise_for_status()
    return str(answer.json()["link"])


async def watch(client: httpx.AsyncClient, tally: Tally, token: str, assignment_link: str) -> None:
    """The teacher's live view, open until cancelled: a refresh every TEACHER_REFRESH_SECONDS,
    asking for the curves changed since the last one, as live-view.js does."""
    url = f"/class/assignments/{assignment_link.rsplit('/', 1)[-1]}/summary"
    headers = {"Authorization": f"Bearer {token}"}
    since: str | None = None
    while True:
        started = time.perf_counter()
        params = {"since": since} if since else {}
        try:
            answer = await client.get(url, params=params, headers=headers)
            answer.raise_for_status()
        except httpx.HTTPError as error:
            tally.error("teacher", type(error).__name__)
            return
        tally.teacher_seconds.append(time.perf_counter() - started)
        summary = answer.json()
        since, tally.runs_seen = summary["now"], len(summary["runs"])
        await asyncio.sleep(TEACHER_REFRESH_SECONDS)


async def play_class(
    base_url: str, students: int, assignment_link: str, teacher_token: str | None
) -> tuple[Tally, float]:
    tally = Tally()
    # A client each, as each student has a browser of their own: one shared pool of 400
    # connections cost the load generator itself about as much CPU as the server used.
    async with AsyncExitStack() as clients:

        async def browser() -> httpx.AsyncClient:
            client = httpx.AsyncClient(
                base_url=base_url, limits=BROWSER_LIMITS, timeout=REQUEST_TIMEOUT_SECONDS
            )
            return await clients.enter_async_context(client)

        start = asyncio.Event()
        tasks = [
            asyncio.create_task(Student(await browser(), tally).attend(start, assignment_link))
            for _ in range(students)
        ]
        teacher = None
        if teacher_token:
            teacher_browser = await browser()
            teacher = asyncio.create_task(
                watch(teacher_browser, tally, teacher_token, assignment_link)
            )
        began = time.perf_counter()
        cpu_began = time.process_time()
        start.set()  # Everyone at once: "open the link and press Step".
        _, late = await asyncio.wait(tasks, timeout=CLASS_DEADLINE_SECONDS)
        seconds = time.perf_counter() - began
        tally.generator_cpu_seconds = time.process_time() - cpu_began
        for task in late:
            task.cancel()
        if late:
            tally.errors["still busy at the deadline"] += len(late)
        if teacher is not None:
            await asyncio.sleep(TEACHER_REFRESH_SECONDS)  # A last refresh sees every run.
            teacher.cancel()
        return tally, seconds


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
    # The students' browsers share the server's cores here, unlike in a classroom.
    cpu = tally.generator_cpu_seconds
    print(f"load generator's own CPU: {cpu:.1f} s ({cpu / seconds:.0%} of a core)")
    print("errors:", dict(tally.errors) or "none")
    print("deliberate (retried after Retry-After):", dict(tally.deliberate) or "none")
    for moment, fields in memory.items():
        text = ", ".join(f"{name} {kib / 1024:.0f} MiB" for name, kib in fields.items())
        print(f"server memory {moment}: {text}")
    if tally.teacher_seconds:
        refreshes = tally.teacher_seconds
        print(
            f"teacher's live view: {len(refreshes)} refreshes, p50"
            f" {statistics.median(refreshes) * 1e3:.1f} ms, p95"
            f" {percentile(refreshes, 0.95) * 1e3:.1f} ms; {tally.runs_seen} runs seen at the end"
        )


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


def run_against(
    base_url: str, students: int, pid: int | None, teacher_token: str, watched: bool
) -> Tally:
    """A class on an assignment of the teacher's, with the live view open if `watched`."""
    require_loopback(base_url)
    assignment_link = create_assignment(base_url, teacher_token)
    memory = {"before": memory_kib(pid)} if pid else {}
    watching = teacher_token if watched else None
    tally, seconds = asyncio.run(play_class(base_url, students, assignment_link, watching))
    if pid:
        memory["after"] = memory_kib(pid)
    report(tally, students, seconds, memory)
    return tally


def on_a_server_of_its_own(students: int, watched: bool) -> Tally:
    with tempfile.TemporaryDirectory() as scratch:
        env = {"STEPWISE_TEACHER_TOKEN": TEACHER_TOKEN}
        server = ServerProcess(Path(scratch) / "data", Path(scratch) / "server.log", env=env)
        server.start()
        try:
            assert server.process is not None
            pid = server.process.pid
            tally = run_against(server.base_url, students, pid, TEACHER_TOKEN, watched)
        finally:
            server.stop()
        if tally.errors:  # What the server said, before its log goes with the scratch dir.
            logged = server.log_path.read_text(errors="replace").splitlines()
            print(*[line for line in logged if "ERROR" in line or "Error" in line][:20], sep="\n")
    return tally


def step_p95(tally: Tally) -> float:
    return percentile(tally.seconds["step"], 0.95) if tally.seconds.get("step") else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--base-url", help="a running server (loopback only); default: start one")
    parser.add_argument("--pid", type=int, help="the running server's process id, for memory")
    parser.add_argument("--teacher-token", help="the running server's STEPWISE_TEACHER_TOKEN")
    args = parser.parse_args()
    if args.base_url:
        if not args.teacher_token:
            raise SystemExit("--teacher-token: the class follows an assignment the teacher makes")
        tally = run_against(args.base_url, args.students, args.pid, args.teacher_token, True)
        raise SystemExit(1 if tally.errors else 0)
    print("== the class alone")
    alone = on_a_server_of_its_own(args.students, watched=False)
    print("\n== the class with the teacher's live view open")
    watched = on_a_server_of_its_own(args.students, watched=True)
    print(
        f"\nstep p95 with the teacher watching: {step_p95(watched) * 1e3:.0f} ms, alone"
        f" {step_p95(alone) * 1e3:.0f} ms ({step_p95(watched) / step_p95(alone):.2f} ×)"
    )
    raise SystemExit(1 if alone.errors or watched.errors else 0)


if __name__ == "__main__":
    main()
