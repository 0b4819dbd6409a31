"""What the owner's page says to its stream (which stream to stop, which step it shows): only the
owner may say it, and a malformed word is a 422 that says what is wrong, never a 500. How a
stream behaves on it, against a real server: test_stream_stop.py."""

import pytest

from tests.api.sse import parse_events
from tests.runs_api import create_run

STREAM_ID = "page-stream-1"


def test_the_page_says_which_step_of_its_stream_it_shows(client):
    run = create_run(client)
    shown = client.post(f"/api/runs/{run['id']}/streams/{STREAM_ID}/shown", json={"step": 0})
    assert (shown.status_code, shown.json()) == (200, {"streams": 0})  # Nothing open now.
    stopped = client.post(f"/api/runs/{run['id']}/stop", json={"stream": STREAM_ID})
    assert (stopped.status_code, stopped.json()) == (200, {"streams": 0})


def test_a_stream_stopped_before_it_opened_computes_nothing(client):
    run = create_run(client)
    client.post(f"/api/runs/{run['id']}/stop", json={"stream": STREAM_ID}).raise_for_status()
    params = {"n": 5, "interval_ms": 10, "stream": STREAM_ID, "wait_for_page": True}
    with client.stream("GET", f"/api/runs/{run['id']}/stream", params=params) as response:
        events = parse_events(response.iter_lines())
    ((event, end),) = events
    assert (event, end["reason"], end["step"]) == ("end", "stopped", None)
    assert client.get(f"/api/runs/{run['id']}").json()["steps"] == 0
    # The Stop was for that stream only: the next one plays.
    params["stream"] = "page-stream-2"
    params["wait_for_page"] = False
    with client.stream("GET", f"/api/runs/{run['id']}/stream", params=params) as response:
        events = parse_events(response.iter_lines())
    assert events[-1][1]["reason"] == "completed"


def test_only_the_owner_says_what_its_page_shows(client, viewer):
    run = create_run(client)
    refused = viewer.post(f"/api/runs/{run['id']}/streams/{STREAM_ID}/shown", json={"step": 1})
    assert (refused.status_code, refused.json()["code"]) == (403, "not_owner")
    missing = client.post(f"/api/runs/nope/streams/{STREAM_ID}/shown", json={"step": 1})
    assert (missing.status_code, missing.json()["code"]) == (404, "run_not_found")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"streams/{STREAM_ID}/shown", {"step": -1}, "step"),
        (f"streams/{STREAM_ID}/shown", {"step": 2**31}, "step"),
        (f"streams/{STREAM_ID}/shown", {"step": "3"}, "step"),
        (f"streams/{STREAM_ID}/shown", {"step": 2.5}, "step"),
        (f"streams/{STREAM_ID}/shown", {}, "step"),
        (f"streams/{STREAM_ID}/shown", {"step": 1, "also": 2}, "also"),
        ("streams/short/shown", {"step": 1}, "stream"),
        ("streams/not%20an%20id!/shown", {"step": 1}, "stream"),
        ("stop", {"stream": "a/b"}, "stream"),
        ("stop", {"stream": 12345678}, "stream"),
        ("stop", {"at": 3}, "at"),
    ],
)
def test_a_malformed_word_is_refused_with_what_is_wrong(client, path, body, field):
    run = create_run(client)
    response = client.post(f"/api/runs/{run['id']}/{path}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"
    assert field in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"wait_for_page": True}, "wait_for_page"), ({"stream": "bad id"}, "stream")],
)
def test_a_stream_asked_to_wait_for_its_page_must_be_named_by_it(client, params, field):
    run = create_run(client)
    response = client.get(f"/api/runs/{run['id']}/stream", params={"n": 2, **params})
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert client.get(f"/api/runs/{run['id']}").json()["steps"] == 0
