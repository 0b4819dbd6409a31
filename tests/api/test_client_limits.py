"""Limits per client: a class shares one address, so each browser (its client cookie) has an
allowance of its own, and the address a larger one for everyone behind it."""

import pytest

from app.api.clients import CLIENT_COOKIE
from app.runs.errors import TooManyStreamsError
from app.runs.limits import Client, StreamSlots
from tests.api.test_limits import create


@pytest.fixture
def client(app_with):
    return app_with(create_rate_limit="3/minute", create_rate_limit_per_address="7/minute")


def browser_id(client) -> str:
    """The id a browser is given by the first page it opens."""
    page = client.get("/runs/none")  # Any page: even a 404 page hands out the id.
    return page.cookies[CLIENT_COOKIE]


def test_each_browser_has_its_own_allowance_of_new_runs(client):
    first = browser_id(client)
    client.cookies.set(CLIENT_COOKIE, first)
    run_id = create(client)
    create(client)
    assert client.post(f"/api/runs/{run_id}/fork", json={"step": 0}).status_code == 201
    refused = client.post("/api/runs", json={})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "too many new runs and forks" in refused.json()["detail"]
    assert client.post(f"/api/runs/{run_id}/fork", json={"step": 0}).status_code == 429

    client.cookies.clear()
    client.cookies.set(CLIENT_COOKIE, browser_id(client))  # A classmate on the same address.
    assert client.post("/api/runs", json={}).status_code == 201


def test_the_address_caps_every_browser_behind_it(client):
    client.cookies.clear()
    answers = [client.post("/api/runs", json={}).status_code for _ in range(8)]
    assert answers == [201] * 7 + [429]  # Without an id: the address's allowance alone.
    client.cookies.set(CLIENT_COOKIE, browser_id(client))
    assert client.post("/api/runs", json={}).status_code == 429


def test_a_made_up_client_id_is_not_an_allowance_of_its_own(client):
    for index in range(8):
        client.cookies.set(CLIENT_COOKIE, f"not-an-id-{index}")
        status = client.post("/api/runs", json={}).status_code
    assert status == 429


def test_streams_are_bounded_per_browser_and_per_address():
    slots = StreamSlots(per_browser=2, per_address=3)
    ana, ben = Client("10.0.0.1", "a" * 22), Client("10.0.0.1", "b" * 22)
    leases = [slots.take(ana), slots.take(ana)]
    with pytest.raises(TooManyStreamsError, match="this browser"):
        slots.take(ana)
    leases.append(slots.take(ben))
    with pytest.raises(TooManyStreamsError, match="this network address"):
        slots.take(ben)
    leases[0].release()
    leases[0].release()  # Released once, however often it is asked.
    leases.append(slots.take(ana))
    with pytest.raises(TooManyStreamsError):
        slots.take(Client("10.0.0.1", None))
    assert slots.take(Client("10.0.0.2", None)) is not None  # Another address: its own.


def test_an_open_stream_holds_its_clients_place_until_it_ends(app_with):
    client = app_with(max_streams_per_client=1, max_streams_per_address=1)
    run_id = create(client)
    with client.stream("GET", f"/api/runs/{run_id}/stream", params={"n": 3}) as first:
        assert first.status_code == 200
        first.read()
    # The stream ended, and gave its place back: the next one is accepted.
    with client.stream("GET", f"/api/runs/{run_id}/stream", params={"n": 3}) as second:
        assert second.status_code == 200
        second.read()
    service = client.app.state.service
    lease = service.admission.open_stream(Client("testclient", None))
    refused = client.get(f"/api/runs/{run_id}/stream", params={"n": 3})
    assert refused.status_code == 429
    assert "runs playing at once" in refused.json()["detail"]
    lease.release()
