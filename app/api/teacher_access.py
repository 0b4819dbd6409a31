"""Who may open the teacher's page: whoever shows `STEPWISE_TEACHER_TOKEN`.

The token comes as `Authorization: Bearer …`, or once as `?token=…`, which is traded for an
HttpOnly cookie so that the token leaves the address bar (and the history) at once.
"""

import hashlib
import hmac
from enum import Enum

TEACHER_COOKIE = "stepwise_teacher"
TEACHER_COOKIE_SECONDS = 12 * 3600  # A school day; then the teacher opens the link again.


class Access(Enum):
    GRANTED = "granted"
    MISSING = "missing"  # Nothing shown: 401, asking for the token.
    WRONG = "wrong"  # A token shown that is not the teacher's: 403.


def _digest(purpose: str, token: str) -> str:
    return hashlib.sha256(f"{purpose}:{token}".encode()).hexdigest()


def _matches(given: str, expected: str) -> bool:
    # Digests of equal length compared in constant time: timing does not reveal the token.
    return hmac.compare_digest(_digest("compare", given), _digest("compare", expected))


def cookie_value(token: str) -> str:
    """The cookie proves the token was shown without holding the token itself."""
    return _digest("stepwise-teacher-cookie", token)


def bearer_token(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def access(expected: str, shown: str | None, cookie: str | None) -> Access:
    """Whether a request that shows `shown` (query or header) or `cookie` may see the page.

    A cookie that no longer matches (the token was changed) counts as none: sign in again.
    """
    if shown is not None:
        return Access.GRANTED if _matches(shown, expected) else Access.WRONG
    if cookie is not None and _matches(cookie, cookie_value(expected)):
        return Access.GRANTED
    return Access.MISSING
