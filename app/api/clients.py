"""Who a request comes from, for the limits per client: its address and its browser's id.

A whole class reaches the server from one address (the school's), so an address alone cannot
tell one student from another. Each browser is given a random id in a cookie by the first page
it opens; limits count per id, and per address with a larger allowance. The id is no secret
and no login: clearing it only falls back to the address's allowance.
"""

import secrets
import string
from typing import Annotated

from fastapi import Depends, Request, Response

from app.api.deps import ServiceDep
from app.runs.limits import Client

CLIENT_COOKIE = "stepwise_client"
CLIENT_COOKIE_SECONDS = 365 * 24 * 3600
_ID_BYTES = 16
_ID_LENGTH = 22  # token_urlsafe(16)
_ID_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")
UNKNOWN_ADDRESS = "unknown"  # A request without a peer address (tests, some proxies).


def _browser_id(request: Request) -> str | None:
    """The id the browser sent, if it is one this server could have made."""
    value = request.cookies.get(CLIENT_COOKIE)
    if value is None or len(value) != _ID_LENGTH or not set(value) <= _ID_ALPHABET:
        return None
    return value


def client_of(request: Request) -> Client:
    # Behind nginx, uvicorn takes the address from X-Forwarded-For (FORWARDED_ALLOW_IPS).
    address = request.client.host if request.client else UNKNOWN_ADDRESS
    return Client(address=address, browser=_browser_id(request))


def give_client_id(request: Request, response: Response) -> None:
    """Set the client cookie on a page's answer if the browser has none yet."""
    if _browser_id(request) is None:
        response.set_cookie(
            CLIENT_COOKIE,
            secrets.token_urlsafe(_ID_BYTES),
            max_age=CLIENT_COOKIE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def count_new_run(request: Request, service: ServiceDep) -> None:
    """Count a new run or fork against its client's allowance; 429 once it is used up."""
    service.admission.count_new_run(client_of(request))


async def _count_new_run(request: Request, service: ServiceDep) -> None:
    # Async and cheap (an in-memory count): no worker thread for a request that may be refused.
    count_new_run(request, service)


# `dependencies=[NewRunLimited]` on a route that creates a run.
NewRunLimited = Depends(_count_new_run)


async def _client(request: Request) -> Client:
    # Async: FastAPI would run a plain `def` dependency in a worker thread.
    return client_of(request)


ClientDep = Annotated[Client, Depends(_client)]
