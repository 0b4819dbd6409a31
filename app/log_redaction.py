"""Secrets stay out of the access log, which `make run` may show on a classroom's projector.

The teacher's token may still arrive in the query of an old `/class?token=…` link; uvicorn's
access log line holds the whole path and query, so the token's value is replaced before any
handler formats the line.
"""

import logging
import re
from urllib.parse import unquote_plus

ACCESS_LOGGER = "uvicorn.access"
SECRET_PARAMETERS = frozenset({"token"})
REDACTED = "[redacted]"

# One `name=value` of a query; the value ends where the query or the log's quoting does.
# Names stop at `?` too: each `?` or `&` starts a match, and a name that could run over the
# next start would make a query of many `?` cost quadratic time (on the event loop).
_PARAMETER = re.compile(r"(?<=[?&])([^&=\s\"#?]+)=([^&\s\"#]*)")


def redact(text: str) -> str:
    """`text` with the value of every secret query parameter replaced by REDACTED.

    Names are compared decoded, as the app reads them: `?%74oken=` is a token too.
    """

    def replace(parameter: re.Match[str]) -> str:
        name = parameter[1]
        return f"{name}={REDACTED}" if unquote_plus(name) in SECRET_PARAMETERS else parameter[0]

    return _PARAMETER.sub(replace, text)


class RedactQueryFilter(logging.Filter):
    """Redacts the record's arguments, where uvicorn puts the path with its query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


_FILTER = RedactQueryFilter()


def redact_access_log() -> None:
    """Install the filter on uvicorn's access logger; once, however many apps are created."""
    logging.getLogger(ACCESS_LOGGER).addFilter(_FILTER)
