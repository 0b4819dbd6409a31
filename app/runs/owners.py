"""Owner tokens: whoever created a run may change it; anyone with its link may look.

The token is handed out once, when the run is created; the store keeps only its SHA-256, so
a copy of the database does not give anyone the right to change a run.
"""

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from app.runs.errors import NotOwnerError, RunNotFoundError
from app.storage.store import Store
from app.storage.stored import RunOwner

OWNER_TOKEN_BYTES = 32  # 256 bits, as url-safe text of 43 characters.
OWNER_HEADER = "X-Owner-Token"


@dataclass(frozen=True)
class OwnerToken:
    """A new token and the hash the store keeps of it."""

    token: str
    hash: str


def hash_owner_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_owner_token() -> OwnerToken:
    token = secrets.token_urlsafe(OWNER_TOKEN_BYTES)
    return OwnerToken(token=token, hash=hash_owner_token(token))


def may_change(stored_hash: str | None, token: str | None) -> bool:
    """Whether `token` may change a run whose stored hash is `stored_hash`.

    Runs stored before owner tokens existed have no hash: nobody holds their token, so they
    stay open to anyone, as they were when their links were shared.
    """
    if stored_hash is None:
        return True
    if token is None:
        return False
    # Hashes of equal length, compared in constant time: the answer's timing tells nothing.
    return hmac.compare_digest(hash_owner_token(token), stored_hash)


OWNER_CACHE_SIZE = 10_000  # Run owners remembered per process (a few MiB at most).


class RunOwners:
    """Who may change each run, read from the store once and then remembered.

    A run's owner never changes, so every process may remember it: one query less on every
    step. Bounded, oldest forgotten first.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._owners: OrderedDict[str, RunOwner] = OrderedDict()
        self._lock = threading.Lock()

    def owner_of(self, run_id: str) -> RunOwner:
        """The run's owner; RunNotFoundError if there is no such run."""
        with self._lock:
            owner = self._owners.get(run_id)
        if owner is None:
            owner = self._store.run_owner(run_id)
            if owner is None:
                raise RunNotFoundError(run_id)
            with self._lock:
                self._owners[run_id] = owner
                if len(self._owners) > OWNER_CACHE_SIZE:
                    self._owners.popitem(last=False)
        return owner

    def remembered(self, run_id: str) -> RunOwner | None:
        """The run's owner if this process remembers it; None when the store must be read."""
        with self._lock:
            return self._owners.get(run_id)

    def require_owner(self, run_id: str, token: str | None) -> None:
        """Raise NotOwnerError unless `token` may change the run (RunNotFoundError if none)."""
        if not may_change(self.owner_of(run_id).token_hash, token):
            raise NotOwnerError()
