"""Input crafted to be slow to parse answers at once, and never stalls other users' requests."""

import threading
from collections.abc import Callable

import httpx
import pytest

from tests.navigation import NAVIGATION
from tests.server import ServerProcess

pytestmark = pytest.mark.slow  # Starts server processes: not in the fast tier.

# The CSV that took csv.Sniffer 3.2 s at 150 quotes and 23 s at 250, holding the GIL so that
# every request waited: at 2,000 quotes the old parser would take days.
QUOTES = 2000
PATHOLOGICAL_CSV = ',"",\n' + '"' * QUOTES + "a"
# Generous bounds that only a frozen server misses; no speed is asserted.
REQUEST_TIMEOUT = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pathological")
    process = ServerProcess(tmp / "data", tmp / "server.log").start()
    yield process
    process.stop()


def _livez_while(base_url: str, send: Callable[[httpx.Client], httpx.Response]):
    """Send a request on a thread, ask /livez while it is being answered, return its answer."""
    answers: list[httpx.Response] = []
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        sender = threading.Thread(target=lambda: answers.append(send(client)), daemon=True)
        sender.start()
        livez = httpx.get(base_url + "/livez", timeout=REQUEST_TIMEOUT)
        sender.join(REQUEST_TIMEOUT)
    assert livez.status_code == 200
    assert answers, "the pathological request was not answered"
    return answers[0]


def test_a_pathological_csv_body_is_refused_while_the_server_keeps_answering(server):
    answer = _livez_while(
        server.base_url,
        lambda client: client.post("/api/runs", json={"points_csv": PATHOLOGICAL_CSV}),
    )
    assert answer.status_code == 422
    # Its first line is blank, so the line of quotes is read as a header: no points are left.
    assert answer.json()["detail"] == "points_csv: a line needs at least 2 points, got 0"


def test_a_pathological_assignment_link_is_refused_while_the_server_keeps_answering(server):
    answer = _livez_while(
        server.base_url,
        lambda client: client.get("/new", params={"points": PATHOLOGICAL_CSV}, headers=NAVIGATION),
    )
    assert answer.status_code == 422
    assert "points" in answer.text
