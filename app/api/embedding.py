"""Runs shown inside a course page or an LMS, in an `<iframe>`.

`?embed=1` on a page leaves out the site's header; on a run page it also leaves out all but
the controls and the three panels, unless a lesson stop is asked for (`&lesson=N`), whose
stops point at the panels below them. The assignment link keeps it to the run page it starts.
Which sites may frame Stepwise at all is STEPWISE_FRAME_ANCESTORS (app/api/security.py).
"""

from html import escape

from fastapi import Request

EMBED_PARAMETER = "embed"


def is_embedded(request: Request) -> bool:
    """Whether the page is asked for inside another site's frame."""
    return request.query_params.get(EMBED_PARAMETER) == "1"


def is_compact(request: Request) -> bool:
    """Whether a run page shows only its controls and three panels: embedded, no lesson."""
    return is_embedded(request) and "lesson" not in request.query_params


def iframe_snippet(assignment_link: str, title: str) -> str:
    """The HTML a teacher pastes into a course page to embed an assignment: each student who
    opens that page starts a run of their own in the frame."""
    return (
        f'<iframe src="{escape(assignment_link)}?{EMBED_PARAMETER}=1" title="{escape(title)}" '
        'width="100%" height="760" style="border: 0" loading="lazy"></iframe>'
    )
