"""Ownership of a `tf.compat.v1.Session`: whoever holds one closes it."""

from types import TracebackType
from typing import Self

import tensorflow as tf


class SessionOwner:
    """Closes `self._session` on `close()` and at the end of a `with` block."""

    _session: tf.compat.v1.Session

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
