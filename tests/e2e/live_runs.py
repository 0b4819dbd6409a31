"""Runs made on the browser tests' server through its API, as a learner's page would find them."""

import httpx

from tests.owners import owner_headers


def create_run(live_server, steps: int = 0, **spec) -> dict:
    """A run with `spec` (the body of POST /api/runs), stepped `steps` times by its owner; the
    creation's answer, owner token included."""
    api = f"{live_server.base_url}/api/runs"
    run = httpx.post(api, json=spec).json()
    if steps:
        httpx.post(
            f"{api}/{run['id']}/step", json={"n": steps}, headers=owner_headers(run)
        ).raise_for_status()
    return run
