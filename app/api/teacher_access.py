"""Who may open the teacher's page: whoever shows `STEPWISE_TEACHER_TOKEN`.

The token comes as `Authorization: Bearer …` (scripts), or once from the sign-in form (or an
old `?token=…` link), which is traded for a signed session cookie that expires after 12 hours.
The cookie never holds the token, and the server checks its age itself: a cookie kept past
its `Max-Age` is refused all the same.
"""

import hashlib
import hmac
from enum import Enum
from urllib.parse import urlsplit

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import Headers

TEACHER_COOKIE = "stepwise_teacher"
TEACHER_COOKIE_SECONDS = 12 * 3600  # A school day; then the teacher signs in again.
# What the cookie signs: only its signature and timestamp matter, as nothing else is ever
# signed with this salt.
_SESSION = "teacher"
_SESSION_SALT = "stepwise-teacher-session"


class Access(Enum):
    GRANTED = "granted"
    MISSING = "missing"  # Nothing shown: 401, asking for the token.
    WRONG = "wrong"  # A token shown that is not the teacher's: 403.


def _digest(token: str) -> str:
    return hashlib.sha256(f"compare:{token}".encode()).hexdigest()


def _matches(given: str, expected: str) -> bool:
    # Digests of equal length compared in constant time: timing does not reveal the token.
    return hmac.compare_digest(_digest(given), _digest(expected))


def _signer(token: str) -> TimestampSigner:
    # Keyed by the token itself: every replica behind nginx checks the same cookies without
    # sharing another secret, and changing the token invalidates every cookie at once.
    return TimestampSigner(token, salt=_SESSION_SALT, digest_method=hashlib.sha256)


def session_cookie(token: str) -> str:
    """A new session cookie for the teacher who showed `token`, signed now."""
    return _signer(token).sign(_SESSION).decode()


def _session_valid(cookie: str, token: str) -> bool:
    try:
        # Compares signatures in constant time, and refuses timestamps in the future too.
        _signer(token).unsign(cookie, max_age=TEACHER_COOKIE_SECONDS)
    except BadSignature:  # Tampered with, signed with another token, or too old.
        return False
    return True


def bearer_token(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def access(expected: str, shown: str | None, cookie: str | None) -> Access:
    """Whether a request that shows `shown` (form, query or header) or `cookie` may see the page.

    A cookie that is not valid (tampered with, expired, or from before the token changed)
    counts as none: sign in again.
    """
    if shown is not None:
        return Access.GRANTED if _matches(shown, expected) else Access.WRONG
    if cookie is not None and _session_valid(cookie, expected):
        return Access.GRANTED
    return Access.MISSING


def sent_from_this_site(headers: Headers) -> bool:
    """Whether a form was posted from one of this server's own pages, not from another site.

    The cookie's SameSite=Strict does not cover this: signing in sends no cookie, so a post
    from another site's page would be let through. Browsers send `Sec-Fetch-Site` (Chrome
    since 2019, Firefox since 2021, Safari since 2023), which no page can set; older ones send
    `Origin` with every POST, compared here with the `Host` the request came to (behind nginx,
    as the browser sent it: deploy/routes.conf). A client that sends neither is no browser on
    another site's page but a script, which could send any header anyway.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = headers.get("origin")
    if origin is None:
        return True
    host = headers.get("host", "")
    return bool(host) and urlsplit(origin).netloc.lower() == host.lower()
