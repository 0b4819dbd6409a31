"""The teacher's assignments: made on /class, each with a short link of its own, `/a/{id}`.

An assignment keeps its settings as an assignment link's query, which app/api/assignment_query.py
checks when the teacher makes it and reads into a new run's settings at every start.
"""

import re
import secrets
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from app.runs.creation import check_run_request
from app.runs.errors import InvalidRunRequestError
from app.schemas.requests import RunCreate
from app.storage.store import Store
from app.storage.stored import StoredAssignment

ASSIGNMENT_ID_BYTES = 9  # 72 random bits, as 12 url-safe characters: short, not guessable.
ASSIGNMENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
MAX_ASSIGNMENTS = 1000  # Far more than a course needs; keeps the teacher's page bounded.


class AssignmentBook:
    """The assignments in the store: made, found by their link's id, listed newest first.

    An assignment never changes once made, so each process remembers those it has found: the
    live view asks for its assignment every refresh, and every student's run page too.
    """

    def __init__(self, store: Store, max_points: int) -> None:
        self._store = store
        self._max_points = max_points
        self._found: dict[str, StoredAssignment] = {}  # At most MAX_ASSIGNMENTS.
        self._lock = threading.Lock()

    def create(
        self,
        title: str,
        instructions: str,
        settings: Sequence[tuple[str, str]],
        spec: RunCreate,
        locks: Sequence[str],
    ) -> StoredAssignment:
        """Store a new assignment: its text as checked by the caller, `settings` (the link's
        query) as read into `spec`, which is checked here as a new run's would be."""
        check_run_request(spec, self._max_points)
        if self._store.count_assignments() >= MAX_ASSIGNMENTS:
            raise InvalidRunRequestError(f"this server keeps at most {MAX_ASSIGNMENTS} assignments")
        assignment = StoredAssignment(
            id=secrets.token_urlsafe(ASSIGNMENT_ID_BYTES),
            created_at=datetime.now(UTC),
            title=title,
            instructions=instructions,
            settings=tuple(settings),
            locks=tuple(locks),
        )
        self._store.add_assignment(assignment)
        return assignment

    def get(self, assignment_id: str) -> StoredAssignment | None:
        """The assignment; None if there is none, without a query for an id it cannot be."""
        if not ASSIGNMENT_ID_PATTERN.match(assignment_id):
            return None
        with self._lock:
            found = self._found.get(assignment_id)
        if found is None:
            # One not found is not remembered: another process may make it in a moment.
            found = self._store.get_assignment(assignment_id)
            if found is not None:
                with self._lock:
                    if len(self._found) < MAX_ASSIGNMENTS:
                        self._found[assignment_id] = found
        return found

    def newest(self, limit: int) -> list[StoredAssignment]:
        return self._store.assignments(limit)
