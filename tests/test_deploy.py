"""The classroom deployment: compose.yaml (and compose.tls.yaml) read as Compose would, and
deploy/nginx.conf (and nginx-tls.conf, with a self-signed certificate) run in a real nginx
(Debian's, which .ci/run installs) in front of two stand-in replicas.

No Docker engine runs here, so the containers themselves are not started: the stand-ins take
the replicas' place and say which of them answered, and a directory laid out as the compose
files mount deploy/ takes /etc/nginx's.
"""

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from app.settings import PROJECT_ROOT, Settings
from tests.server import free_port

pytestmark = pytest.mark.slow  # Starts nginx and server processes: not in the fast tier.

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
TLS_COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.tls.yaml").read_text())
DEPLOY = PROJECT_ROOT / "deploy"
NGINX_TLS_CONF = (DEPLOY / "nginx-tls.conf").read_text()
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl")
SSE_PAUSE_SECONDS = 1.0
RUN_IDS = [f"run{i}-Ab_c" for i in range(20)]
REPLICA_SERVER = "server app:8000 max_fails=1 fail_timeout=10s;"
TOKEN = "teacher-secret-0123456789"


def service(name: str, compose: dict = COMPOSE) -> dict:
    return dict(compose["services"][name])


def deploy_text(name: str) -> str:
    return (DEPLOY / name).read_text()


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
    # The layout `nginx_directory` copies, which nginx runs below.
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert "./deploy:/etc/nginx/stepwise:ro" in nginx["volumes"]
    assert REPLICA_SERVER in deploy_text("upstream.conf")  # The compose service's replicas.
    assert any(str(port).endswith(":80") for port in nginx["ports"])


def test_nginx_refuses_the_bodies_the_app_refuses():
    assert "client_max_body_size 1m;" in deploy_text("routes.conf")
    assert Settings().max_body_bytes == 1024 * 1024


def test_the_tls_override_serves_nginx_tls_conf_with_the_teachers_certificate():
    nginx = service("nginx", TLS_COMPOSE)
    assert set(TLS_COMPOSE["services"]) == {"nginx"}  # Everything else as compose.yaml.
    assert "443:443" in nginx["ports"]  # Added to compose.yaml's 80, which now redirects.
    mounts = dict(volume.removesuffix(":ro").split(":")[::-1] for volume in nginx["volumes"])
    # Compose merges mounts by target: this one takes the place of compose.yaml's nginx.conf.
    assert mounts["/etc/nginx/nginx.conf"] == "./deploy/nginx-tls.conf"
    for name in ("fullchain.pem", "privkey.pem"):
        assert mounts[f"/etc/nginx/certs/{name}"] == f"./certs/{name}"
        assert f" /etc/nginx/certs/{name};" in NGINX_TLS_CONF
    # The same routing, from the same files, as over HTTP.
    for shared in ("include stepwise/upstream.conf;", "include stepwise/routes.conf;"):
        assert shared in NGINX_TLS_CONF and shared in deploy_text("nginx.conf")


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
        self.send_header("X-Forwarded-Proto-Seen", self.headers.get("X-Forwarded-Proto", ""))
        self.send_header("Host-Seen", self.headers.get("Host", ""))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stand_ins() -> Iterator[str]:
    """Two replicas on free ports, as the `server` lines of the upstream that take app:8000's."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (.ci/run installs Debian's nginx)")
    servers = []
    for name in ("replica-a", "replica-b"):
        server = ThreadingHTTPServer(("127.0.0.1", free_port()), StandIn)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield "".join(f"server 127.0.0.1:{server.server_port};\n" for server in servers)
    for server in servers:
        server.shutdown()


def nginx_directory(directory: Path, main: str, replacements: dict[str, str]) -> Path:
    """deploy/`main` as nginx.conf and deploy/ as stepwise/ in `directory`, as the compose
    files mount them in /etc/nginx, with each of `replacements` made in the file that has it."""
    (directory / "stepwise").mkdir()
    made = set()
    for source in DEPLOY.glob("*.conf"):
        text = source.read_text()
        for old, new in replacements.items():
            if old in text:
                text = text.replace(old, new)
                made.add(old)
        (directory / "stepwise" / source.name).write_text(text)
        if source.name == main:
            (directory / "nginx.conf").write_text(text)
    assert made == set(replacements)  # Each still names what it replaces.
    return directory / "nginx.conf"


@contextmanager
def running_nginx(conf: Path, port: int) -> Iterator[None]:
    """nginx -t, then nginx itself on `conf` until it answers on `port`."""
    command = [NGINX, "-p", str(conf.parent), "-c", str(conf)]
    globals_ = f"pid {conf.parent / 'nginx.pid'}; daemon off;"
    checked = subprocess.run(
        [*command, "-t", "-g", globals_], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([*command, "-g", globals_], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


@pytest.fixture(scope="module")
def access_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("logs") / "access.log"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, stand_ins, access_log) -> Iterator[str]:
    """deploy/nginx.conf with the stand-ins for `app` and a free port for 80, run by nginx."""
    port = free_port()
    conf = nginx_directory(
        tmp_path_factory.mktemp("nginx"),
        "nginx.conf",
        {
            REPLICA_SERVER: stand_ins,
            "listen 80;": f"listen 127.0.0.1:{port};",
            "access_log /dev/stdout": f"access_log {access_log}",
        },
    )
    with running_nginx(conf, port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    """A self-signed certificate for 127.0.0.1, as certs/fullchain.pem and certs/privkey.pem."""
    if OPENSSL is None:
        pytest.skip("the openssl command is not installed")
    certs = tmp_path_factory.mktemp("certs")
    request = "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    files = ["-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")]
    names = ["-addext", "subjectAltName=IP:127.0.0.1"]  # What httpx checks the address with.
    subprocess.run([OPENSSL, *request.split(), *files, *names], check=True, capture_output=True)
    return certs


@pytest.fixture(scope="module")
def tls_proxy(tmp_path_factory, stand_ins, certificate) -> Iterator[tuple[str, str]]:
    """deploy/nginx-tls.conf with the stand-ins and the test's certificate: its HTTP address
    (for 80) and its HTTPS address (for 443)."""
    http_port, https_port = free_port(), free_port()
    conf = nginx_directory(
        tmp_path_factory.mktemp("nginx-tls"),
        "nginx-tls.conf",
        {
            REPLICA_SERVER: stand_ins,
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
            "/etc/nginx/certs/": f"{certificate}/",
        },
    )
    with running_nginx(conf, http_port):
        yield f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}"


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
        # With its port: the app's pages link to it, and it is compared with `Origin`.
        assert answer.headers["Host-Seen"] == proxy.removeprefix("http://")
        too_large = client.post("/api/runs", content=b"x" * (1024 * 1024 + 1))
        assert too_large.status_code == 413


def log_once_written(log: Path, line: str) -> str:
    """The log once `line` is in it, or after 10 s: nginx writes a request's line after its
    answer, so the client can be quicker than the line."""
    deadline = time.monotonic() + 10
    while line not in (text := log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return text


def test_the_access_log_never_shows_a_token(proxy, access_log):
    with httpx.Client(base_url=proxy, timeout=10) as client:
        client.get("/class", params={"lang": "zh", "token": TOKEN})
        client.get(f"/class?%74oken={TOKEN}")  # The app reads that name as `token` too.
        client.get("/api/runs/abc/steps/3?lang=zh")
    last = '"GET /api/runs/abc/steps/3?lang=zh HTTP/1.1" 200'
    log = log_once_written(access_log, last)
    assert TOKEN not in log
    assert log.count('"GET /class?[redacted] HTTP/1.1" 200') == 2
    assert last in log  # Other queries stay.


def test_https_reaches_the_replicas_with_the_same_routing(tls_proxy, certificate):
    _, https = tls_proxy
    trusted = ssl.create_default_context(cafile=certificate / "fullchain.pem")
    with httpx.Client(base_url=https, verify=trusted, timeout=10) as client:
        for run_id in RUN_IDS[:4]:
            answers = {client.get(f"/runs/{run_id}").text, client.get(f"/api/runs/{run_id}").text}
            assert len(answers) == 1, (run_id, answers)
        answer = client.get("/class")
        assert answer.headers["X-Forwarded-Proto-Seen"] == "https"  # So the cookie is Secure.
        assert client.post("/api/runs", content=b"x" * (1024 * 1024 + 1)).status_code == 413
        with client.stream("GET", f"/api/runs/{RUN_IDS[0]}/stream") as stream:
            assert next(stream.iter_lines()) == "event: first"


def test_plain_http_only_redirects_to_https(tls_proxy):
    http, _ = tls_proxy
    answer = httpx.get(f"{http}/class?lang=zh", timeout=10)
    assert answer.status_code == 301
    # To the default port: the compose override publishes 443.
    assert answer.headers["location"] == "https://127.0.0.1/class?lang=zh"
    assert "X-Forwarded-Proto-Seen" not in answer.headers  # No replica saw it.
