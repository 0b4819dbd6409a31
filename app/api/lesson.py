"""Where the run page's guided lesson opens: at the stop a teacher linked (`?lesson=N`), else
where this browser left it (a cookie the page writes), else at the first stop.

The server reads the cookie so that it renders the lesson as it will be shown: the page does
not jump when its script starts. The cookie holds `open-N` or `closed-N` (N the stop).
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Cookie, Depends

LESSON_COOKIE = "stepwise_lesson"


@dataclass(frozen=True)
class LessonStop:
    """One stop: its name (its messages are `lesson.<name>.*`) and the id of the panel it
    points at on the run page."""

    name: str
    target: str


STOPS = (
    LessonStop("evaluate", "evalrun"),
    LessonStop("predict", "fit-panel"),
    LessonStop("shares", "step-detail"),
    LessonStop("run", "loss-panel"),
    LessonStop("graph", "graph-panel"),
    LessonStop("too_big", "surface-panel"),
)
LESSON_STOPS = len(STOPS)


@dataclass(frozen=True)
class LessonPlace:
    """The stop the lesson shows (1 … LESSON_STOPS), and whether it is open or folded away."""

    stop: int
    open: bool


def stop_number(text: str | None) -> int | None:
    """A stop given as text, or None for anything that is not one (no exception, no regex)."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 1:
        return None
    stop = int(text)
    return stop if 1 <= stop <= LESSON_STOPS else None


def lesson_place(query: str | None, cookie: str | None) -> LessonPlace:
    """A linked stop opens the lesson there; a remembered one opens or folds it as left."""
    linked = stop_number(query)
    if linked is not None:
        return LessonPlace(stop=linked, open=True)
    state, _, stop_text = (cookie or "").partition("-")
    remembered = stop_number(stop_text)
    if remembered is None or state not in ("open", "closed"):
        return LessonPlace(stop=1, open=True)
    return LessonPlace(stop=remembered, open=state == "open")


# Async, as app.api.deps explains: a plain `def` dependency would cost a thread hop.
async def _lesson_place(
    lesson: str | None = None,
    stepwise_lesson: Annotated[str | None, Cookie()] = None,
) -> LessonPlace:
    return lesson_place(lesson, stepwise_lesson)


LessonDep = Annotated[LessonPlace, Depends(_lesson_place)]
