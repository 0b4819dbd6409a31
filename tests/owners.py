"""Owner tokens in tests: send a run's token as the page does, or keep it as a browser does."""

import re

import httpx

from app.runs.owners import OWNER_HEADER

# The answers that create a run, and so carry its owner token.
_CREATING = re.compile(r"^/api/runs(/[^/]+/fork)?$")
_RUN_PATH = re.compile(r"^/api/runs/([^/]+)/")


def owner_headers(run: dict) -> dict[str, str]:
    """The header that lets a request change `run` (the 201 body that created it)."""
    return {OWNER_HEADER: run["owner_token"]}


def owner_url(base_url: str, run: dict) -> str:
    """The run's page with its token in the fragment, as `GET /` hands it to the page."""
    return f"{base_url}{run['url']}#owner={run['owner_token']}"


def keep_owner_tokens(client: httpx.Client) -> httpx.Client:
    """Make `client` keep the token of every run it creates and send it with each request on
    that run, as the page does, unless the request sets the header itself."""
    tokens: dict[str, str] = {}

    def remember(response: httpx.Response) -> None:
        request = response.request
        created = request.method == "POST" and response.status_code == 201
        if created and _CREATING.match(request.url.path):
            response.read()
            body = response.json()
            tokens[body["id"]] = body["owner_token"]

    def send(request: httpx.Request) -> None:
        match = _RUN_PATH.match(request.url.path)
        if match and OWNER_HEADER not in request.headers and match.group(1) in tokens:
            request.headers[OWNER_HEADER] = tokens[match.group(1)]

    client.event_hooks = {"request": [send], "response": [remember]}
    return client
