"""The classroom deployment: compose.yaml read as Compose would, and deploy/nginx.conf run in a
real nginx (Debian's, which .ci/run installs) in front of two stand-in replicas.

No Docker engine runs here, so the containers themselves are not started: the stand-ins take
the replicas' place and say which of them answered.
"""

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT, Settings
from tests.server import free_port

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
NGINX_CONF = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SSE_PAUSE_SECONDS = 1.0
RUN_IDS = [f"run{i}-Ab_c" for i in range(20)]


def service(name: str) -> dict:
    return dict(COMPOSE["services"][name])


def test_postgres_keeps_its_data_on_a_volume_and_reports_health():
    postgres = service("postgres")
    assert postgres["image"].startswith("postgres:")
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_app_replicas_use_postgres_once_it_is_healthy():
    app, postgres = service("app"), service("postgres")
    assert app["build"] == "." and (PROJECT_ROOT / "Dockerfile").exists()
    assert app["deploy"]["replicas"] >= 2
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    url = make_url(app["environment"]["STEPWISE_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port) == ("postgres", 5432)
    env = postgres["environment"]
    assert (url.username, url.database) == (env["POSTGRES_USER"], env["POSTGRES_DB"])
    assert url.password == env["POSTGRES_PASSWORD"]  # The same ${POSTGRES_PASSWORD:-…}.


def test_nginx_fronts_the_replicas_with_this_config():
    nginx = service("nginx")
    assert nginx["depends_on"]["app"]["condition"] == "service_healthy"
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert "server app:8000" in NGINX_CONF  # The compose service, one server per replica.
    assert any(str(port).endswith(":80") for port in nginx["ports"])


def test_nginx_refuses_the_bodies_the_app_refuses():
    assert "client_max_body_size 1m;" in NGINX_CONF
    assert Settings().max_body_bytes == 1024 * 1024


class StandIn(BaseHTTPRequestHandler):
    """A replica that answers with its name and what it was sent; /stream sends two events
    SSE_PAUSE_SECONDS apart."""

    def do_GET(self) -> None:
        if self.path.endswith("/stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for event in ("first", "second"):
                self.wfile.write(f"event: {event}\ndata: {self.server.name}\n\n".encode())
                self.wfile.flush()
                time.sleep(SSE_PAUSE_SECONDS)
            return
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer()

    def _answer(self) -> None:
        body = self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Forwarded-For-Seen", self.headers.get("X-Forwarded-For", ""))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[str]:
    """deploy/nginx.conf with the stand-ins for `app` and a free port for 80, run by nginx."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (.ci/run installs Debian's nginx)")
    stand_ins = []
    for name in ("replica-a", "replica-b"):
        server = ThreadingHTTPServer(("127.0.0.1", free_port()), StandIn)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stand_ins.append(server)
    port = free_port()
    servers = "".join(f"server 127.0.0.1:{s.server_port};\n" for s in stand_ins)
    conf = NGINX_CONF.replace("server app:8000 max_fails=3 fail_timeout=10s;", servers)
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    assert servers in conf and f":{port};" in conf
    directory = tmp_path_factory.mktemp("nginx")
    (directory / "nginx.conf").write_text(conf)
    command = [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf")]
    globals_ = f"pid {directory / 'nginx.pid'}; daemon off;"
    checked = subprocess.run(
        [*command, "-t", "-g", globals_], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([*command, "-g", globals_], stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base_url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base_url
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        for server in stand_ins:
            server.shutdown()


def test_requests_about_one_run_go_to_one_replica(proxy):
    chosen = {}
    with httpx.Client(base_url=proxy, timeout=10) as client:
        for run_id in RUN_IDS:
            answers = {
                client.get(f"/runs/{run_id}").text,
                client.get(f"/api/runs/{run_id}").text,
                client.post(f"/api/runs/{run_id}/step", json={"n": 1}).text,
                client.get(f"/api/runs/{run_id}/steps/3").text,
                client.get(f"/api/runs/{run_id}/history.csv").text,
            }
            assert len(answers) == 1, (run_id, answers)
            chosen[run_id] = answers.pop()
    assert set(chosen.values()) == {"replica-a", "replica-b"}  # The runs are spread.


def test_requests_that_name_no_run_take_turns(proxy):
    with httpx.Client(base_url=proxy, timeout=10) as client:
        answers = [client.get("/").text for _ in range(4)]
        answers += [client.post("/api/runs", json={}).text for _ in range(4)]
    assert set(answers) == {"replica-a", "replica-b"}


def test_stream_events_are_passed_on_as_they_come(proxy):
    started = time.monotonic()
    url = f"{proxy}/api/runs/{RUN_IDS[0]}/stream"
    with httpx.stream("GET", url, timeout=10) as response:
        for line in response.iter_lines():
            if line == "event: first":
                break
    # Buffered, it would arrive with the second event, SSE_PAUSE_SECONDS later.
    assert time.monotonic() - started < SSE_PAUSE_SECONDS * 0.8


def test_forwarded_headers_and_body_limit(proxy):
    with httpx.Client(base_url=proxy, timeout=10) as client:
        answer = client.get("/api/runs/abc")
        assert answer.headers["X-Forwarded-For-Seen"] == "127.0.0.1"
        too_large = client.post("/api/runs", content=b"x" * (1024 * 1024 + 1))
        assert too_large.status_code == 413
