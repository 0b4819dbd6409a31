"""Owner tokens: whoever created a run may change it; anyone with its link may look.

The token is handed out once, when the run is created; the store keeps only its SHA-256, so
a copy of the database does not give anyone the right to change a run.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

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
