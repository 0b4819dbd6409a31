"""Assignments the class can see: the teacher makes one on /class, its short link `/a/{id}` starts
runs that record it, the student's run page shows it, a student may name the run, and the
teacher's live view lists every run of it, cheaply and within bounds."""

import re

import pytest
from sqlalchemy import event

from app.api.class_live import SINCE_MARGIN
from app.runs import class_live
from tests.api.test_teacher import bearer
from tests.navigation import NAVIGATION
from tests.owners import owner_headers

TEACHER = bearer()
CROSS_SITE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def make_assignment(client, settings="lr=0.01&preset=outlier&lock=lr,data", **text) -> dict:
    body = {"title": "Too big a step", "instructions": "Try it.\nWhat happens?", **text}
    response = client.post(
        "/class/assignments", json={**body, "settings": settings}, headers=TEACHER
    )
    assert response.status_code == 201, response.text
    return response.json()


def follow(client, link: str) -> dict:
    """Open the assignment's link as a student's browser does: the run, with its owner token."""
    response = client.get(link, headers=NAVIGATION, follow_redirects=False)
    assert response.status_code == 303, response.text
    path, fragment = response.headers["location"].split("#")
    run = client.get("/api" + path.split("?")[0]).json()
    return {**run, "owner_token": fragment.removeprefix("owner=")}


def summary(client, assignment: dict, **params) -> dict:
    response = client.get(
        f"/class/assignments/{assignment['id']}/summary", params=params, headers=TEACHER
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def test_the_teacher_makes_an_assignment_with_a_short_link(teacher_client):
    assignment = make_assignment(teacher_client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", assignment["id"])
    assert assignment["link"] == f"/a/{assignment['id']}"
    assert assignment["live"] == f"/class/assignments/{assignment['id']}"
    page = teacher_client.get("/class", headers=TEACHER).text
    assert f'href="{assignment["live"]}">Too big a step</a>' in page
    live = teacher_client.get(assignment["live"], headers=TEACHER)
    assert live.status_code == 200
    assert f'value="http://testserver/a/{assignment["id"]}"' in live.text
    assert "Locked: Learning rate, Points" in live.text


def test_only_the_teacher_makes_assignments_and_only_from_this_site(teacher_client, client):
    body = {"title": "T", "settings": ""}
    assert teacher_client.post("/class/assignments", json=body).status_code == 401
    wrong = teacher_client.post("/class/assignments", json=body, headers=bearer("wrong-token"))
    assert wrong.status_code == 403
    from_elsewhere = teacher_client.post(
        "/class/assignments", json=body, headers={**TEACHER, **CROSS_SITE}
    )
    assert from_elsewhere.status_code == 403
    assert client.post("/class/assignments", json=body, headers=TEACHER).status_code == 404


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"title": "   "}, "give the assignment a title"),
        ({"title": "x" * 81}, "at most 80 characters"),
        ({"title": "a\nb"}, "one line"),
        ({"title": "ok", "instructions": "y" * 501}, "at most 500 characters"),
        ({"title": "ok", "instructions": "bell\x07"}, "control or formatting"),
        ({"title": "ok", "settings": "lr=fast"}, "lr: 'fast' is not a float number"),
        ({"title": "ok", "settings": "lock=colour"}, "lock: no setting named 'colour'"),
        ({"title": "ok", "settings": "num_points=5000"}, "at most 50 points per run"),
        ({"title": "ok", "settings": "preset=steep&batch_size=99"}, "batch_size"),
        ({"title": "ok", "extra": 1}, "extra"),
        ({"title": "ok", "settings": "&".join(["seed=1"] * 41)}, "at most 40 parameters"),
        ({"title": "ok", "settings": "lr=1&lr=2"}, "lr: given twice"),
    ],
)
def test_a_wrong_assignment_is_refused_with_what_to_change(teacher_client, body, named):
    response = teacher_client.post("/class/assignments", json=body, headers=TEACHER)
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]


def test_the_link_starts_a_run_that_records_the_assignment(teacher_client):
    assignment = make_assignment(teacher_client)
    run = follow(teacher_client, assignment["link"])
    assert run["assignment_id"] == assignment["id"]
    assert run["display_name"] is None
    config = run["config"]
    assert (config["learning_rate"], config["preset"]) == (0.01, "outlier")
    assert config["locks"] == ["learning_rate", "data"]
    # The student owns it, as any run started by a link.
    stepped = teacher_client.post(f"/api/runs/{run['id']}/step", headers=owner_headers(run))
    assert stepped.status_code == 200


def test_the_link_starts_a_run_only_for_a_person_and_refuses_unknown_ones(teacher_client):
    assignment = make_assignment(teacher_client)
    preview = teacher_client.get(assignment["link"])  # A link preview: no Fetch Metadata.
    assert preview.status_code == 200
    assert f'action="{assignment["link"]}"' in preview.text
    assert teacher_client.post(assignment["link"], headers=CROSS_SITE).status_code == 403
    pressed = teacher_client.post(assignment["link"], headers=SAME_SITE, follow_redirects=False)
    assert pressed.status_code == 303
    for unknown in ["/a/nope", "/a/" + "x" * 40, "/a/%3Cscript%3E"]:
        response = teacher_client.get(unknown, headers=NAVIGATION, follow_redirects=False)
        assert response.status_code == 404
        assert "There is no such assignment" in response.text


def test_the_run_page_shows_the_assignment_escaped_at_the_top(teacher_client):
    assignment = make_assignment(
        teacher_client,
        title="<script>alert(1)</script> Steps",
        instructions='Watch "the loss" & <b>stop</b>',
    )
    run = follow(teacher_client, assignment["link"])
    page = teacher_client.get(run["url"]).text
    banner = page.index('id="assignment-banner"')
    assert banner < page.index('id="run-top"')  # Above the lesson and the toolbar.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Steps" in page
    assert "<script>alert(1)" not in page
    assert "Watch &#34;the loss&#34; &amp; &lt;b&gt;stop&lt;/b&gt;" in page
    assert '<div data-locked="learning_rate"><dt>Learning rate</dt><dd>0.01</dd></div>' in page
    assert "<dd>9, A line with an outlier</dd>" in page
    # A run of no assignment has no banner.
    other = teacher_client.post("/api/runs", json={}).json()
    assert 'id="assignment-banner"' not in teacher_client.get(other["url"]).text


def test_a_student_may_name_the_run_for_the_teacher(teacher_client, viewer):
    assignment = make_assignment(teacher_client)
    run = follow(teacher_client, assignment["link"])
    path = f"/api/runs/{run['id']}/display-name"
    named = teacher_client.put(
        path,
        json={"display_name": "  Ana   <img src=x onerror=alert(1)>  "},
        headers=owner_headers(run),
    )
    assert named.status_code == 200, named.text
    assert named.json() == {"display_name": "Ana <img src=x onerror=alert(1)>"}
    assert (
        teacher_client.get(f"/api/runs/{run['id']}").json()["display_name"]
        == named.json()["display_name"]
    )
    page = teacher_client.get(run["url"]).text
    assert "Ana &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page
    # Only its owner names it; a viewer's attempt changes nothing.
    assert viewer.put(path, json={"display_name": "Bob"}).status_code == 403
    listed = summary(teacher_client, assignment)["runs"][0]
    assert listed["name"] == "Ana <img src=x onerror=alert(1)>"  # JSON: the page sets it as text.
    # Empty takes it away.
    cleared = teacher_client.put(path, json={"display_name": " "}, headers=owner_headers(run))
    assert cleared.json() == {"display_name": None}


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("x" * 41, "at most 40 characters"),
        ("x" * 200, "at most 160 characters"),  # Refused before it is even looked at.
        ("two\nlines", "one line"),
        ("evil\u202etxt", "control or formatting characters (U+202E)"),
        ("nul\x00", "control or formatting"),
    ],
)
def test_a_display_name_is_bounded_and_plain(teacher_client, name, problem):
    run = follow(teacher_client, make_assignment(teacher_client)["link"])
    response = teacher_client.put(
        f"/api/runs/{run['id']}/display-name",
        json={"display_name": name},
        headers=owner_headers(run),
    )
    assert response.status_code == 422
    assert problem in response.json()["detail"]
    assert teacher_client.get(f"/api/runs/{run['id']}").json()["display_name"] is None


def test_a_name_is_kept_by_the_owners_own_new_runs_not_by_a_viewers_fork(teacher_client, viewer):
    assignment = make_assignment(teacher_client, settings="lr=0.01&lock=lr")
    run = follow(teacher_client, assignment["link"])
    headers = owner_headers(run)
    teacher_client.put(
        f"/api/runs/{run['id']}/display-name", json={"display_name": "Ana"}, headers=headers
    )
    teacher_client.post(f"/api/runs/{run['id']}/step", json={"n": 3}, headers=headers)
    retry = teacher_client.post(
        "/api/runs", json={"learning_rate": 0.01, "seed": 3, "based_on": run["id"]}, headers=headers
    ).json()
    assert (retry["assignment_id"], retry["display_name"]) == (assignment["id"], "Ana")
    fork = teacher_client.post(
        f"/api/runs/{run['id']}/fork", json={"step": 2}, headers=headers
    ).json()
    assert (fork["assignment_id"], fork["display_name"]) == (assignment["id"], "Ana")
    # A classmate's fork is still work on the assignment, but not under Ana's name.
    theirs = viewer.post(f"/api/runs/{run['id']}/fork", json={"step": 2}).json()
    assert (theirs["assignment_id"], theirs["display_name"]) == (assignment["id"], None)
    wrong = viewer.post(
        "/api/runs",
        json={"learning_rate": 0.01, "based_on": run["id"]},
        headers={"X-Owner-Token": "not-the-token"},
    ).json()
    assert (wrong["assignment_id"], wrong["display_name"]) == (assignment["id"], None)


def test_the_live_summary_lists_every_run_with_its_curve(teacher_client):
    assignment = make_assignment(teacher_client, settings="lr=0.002")
    first = follow(teacher_client, assignment["link"])
    second = follow(teacher_client, assignment["link"])
    teacher_client.post(
        f"/api/runs/{first['id']}/step", json={"n": 5}, headers=owner_headers(first)
    )
    teacher_client.put(
        f"/api/runs/{second['id']}/display-name",
        json={"display_name": "Bo"},
        headers=owner_headers(second),
    )
    follow(teacher_client, "/new?lr=0.003")  # Not of the assignment: not listed.
    body = summary(teacher_client, assignment)
    assert body["assignment"] == {"id": assignment["id"], "title": "Too big a step"}
    assert [run["id"] for run in body["runs"]] == [second["id"], first["id"]]  # Newest first.
    newest, oldest = body["runs"]
    assert (newest["name"], newest["steps"], newest["curve"]) == (
        "Bo",
        0,
        {"stride": 1, "losses": []},
    )
    assert oldest["steps"] == 5 and oldest["teacher"] is False
    assert oldest["optimizer"] == "GradientDescentOptimizer"
    assert oldest["learning_rate"] == 0.002
    assert oldest["schedule"] is None
    history = teacher_client.get(f"/api/runs/{first['id']}").json()["history"]
    assert oldest["curve"]["losses"] == [float(f"{step['loss_after']:.4g}") for step in history]
    assert oldest["latest_loss"] == oldest["curve"]["losses"][-1]
    assert oldest["url"] == f"/runs/{first['id']}"


def test_a_diverged_run_says_at_which_step_and_rate(teacher_client):
    assignment = make_assignment(teacher_client, settings="lr=0.05")
    run = follow(teacher_client, assignment["link"])
    for _ in range(4):
        teacher_client.post(
            f"/api/runs/{run['id']}/step", json={"n": 100}, headers=owner_headers(run)
        )
    (listed,) = summary(teacher_client, assignment)["runs"]
    assert listed["diverged"] is True
    assert listed["learning_rate"] == 0.05
    assert listed["latest_loss"] is None
    assert listed["fork_step"] == listed["steps"] - 1  # The last step with a state.


def test_the_summary_names_a_runs_schedule(teacher_client):
    assignment = make_assignment(
        teacher_client, settings="lr=0.01&schedule=cosine_decay&decay_steps=30&lock=lr"
    )
    follow(teacher_client, assignment["link"])
    (listed,) = summary(teacher_client, assignment)["runs"]
    assert (listed["learning_rate"], listed["schedule"]) == (0.01, "cosine_decay")


def test_the_summary_sends_only_the_curves_that_changed(teacher_client):
    assignment = make_assignment(teacher_client, settings="")
    still = follow(teacher_client, assignment["link"])
    moving = follow(teacher_client, assignment["link"])
    teacher_client.post(
        f"/api/runs/{still['id']}/step", json={"n": 3}, headers=owner_headers(still)
    )
    first = summary(teacher_client, assignment)
    # As the page asks next: since its previous answer. Curves changed within the margin
    # are sent again, so the page is never a change behind; here, every curve.
    again = summary(teacher_client, assignment, since=first["now"])
    assert all(run["curve"] is not None for run in again["runs"])
    later = summary(teacher_client, assignment, since="2999-01-01T00:00:00+00:00")
    assert all(run["curve"] is None for run in later["runs"])  # Nothing changed since then.
    assert [run["steps"] for run in later["runs"]] == [0, 3]  # Where each stands, always.
    teacher_client.post(
        f"/api/runs/{moving['id']}/step", json={"n": 2}, headers=owner_headers(moving)
    )
    after = summary(teacher_client, assignment, since=again["now"])
    changed = {run["id"]: run["curve"] for run in after["runs"]}
    assert len(changed[moving["id"]]["losses"]) == 2
    assert SINCE_MARGIN.total_seconds() <= 10


@pytest.mark.parametrize(
    "since",
    [
        "0001-01-01T00:00:00",
        "0001-01-01",
        "0001-01-01T00:00:04Z",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
    ],
)
def test_a_since_at_the_ends_of_time_sends_every_curve(teacher_client, since):
    # The margin taken off `since`, or its conversion to UTC, went past what datetime holds:
    # 500 (found by probing the API).
    assignment = make_assignment(teacher_client, settings="")
    follow(teacher_client, assignment["link"])
    (listed,) = summary(teacher_client, assignment, since=since)["runs"]
    assert listed["curve"] is not None


def test_the_summary_is_bounded_in_runs_and_points(teacher_client, monkeypatch):
    monkeypatch.setattr(class_live, "MAX_RUNS_SHOWN", 2)
    assignment = make_assignment(teacher_client, settings="lr=0.0001")
    runs = [follow(teacher_client, assignment["link"]) for _ in range(3)]
    newest = runs[-1]
    for _ in range(3):
        teacher_client.post(
            f"/api/runs/{newest['id']}/step", json={"n": 400}, headers=owner_headers(newest)
        )
    body = summary(teacher_client, assignment)
    assert len(body["runs"]) == 2 and body["more"] is True
    curve = body["runs"][0]["curve"]
    assert curve["stride"] == 8  # 1,200 steps: every 8th, 150 points.
    assert len(curve["losses"]) == 150 <= body["max_points"]
    history = teacher_client.get(f"/api/runs/{newest['id']}/history?limit=1200").json()
    losses = [step["loss_after"] for step in history["records"]]
    assert curve["losses"] == [float(f"{loss:.4g}") for loss in losses[::8]]


def test_the_summary_needs_the_teacher(teacher_client, client):
    assignment = make_assignment(teacher_client)
    path = f"/class/assignments/{assignment['id']}/summary"
    assert teacher_client.get(path).status_code == 401
    assert teacher_client.get(path, headers=bearer("wrong-token")).status_code == 403
    missing = teacher_client.get("/class/assignments/nope/summary", headers=TEACHER)
    assert missing.status_code == 404
    assert client.get(path, headers=TEACHER).status_code == 404  # No teacher on this server.
    assert teacher_client.get(assignment["live"]).status_code == 401  # The sign-in form.


def test_a_refresh_reads_two_statements_whatever_the_class(teacher_client):
    assignment = make_assignment(teacher_client, settings="")
    runs = [follow(teacher_client, assignment["link"]) for _ in range(4)]
    for run in runs:
        teacher_client.post(
            f"/api/runs/{run['id']}/step", json={"n": 30}, headers=owner_headers(run)
        )
    summary(teacher_client, assignment)  # The first reads every curve; the assignment is kept.
    engine = teacher_client.app.state.assignments._store._engine
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        summary(teacher_client, assignment)  # Nothing moved: the runs' heads only.
        assert len(statements) == 1
        for run in runs:
            teacher_client.post(
                f"/api/runs/{run['id']}/step", json={"n": 2}, headers=owner_headers(run)
            )
        statements.clear()
        body = summary(teacher_client, assignment)
        assert len(statements) == 2  # The heads, and every moved run's new points at once.
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [len(run["curve"]["losses"]) for run in body["runs"]] == [32] * 4


def test_the_teacher_starts_and_forks_runs_listed_apart(teacher_client):
    assignment = make_assignment(teacher_client, settings="lr=0.01&lock=lr")
    student = follow(teacher_client, assignment["link"])
    teacher_client.post(
        f"/api/runs/{student['id']}/step", json={"n": 4}, headers=owner_headers(student)
    )
    started = teacher_client.post(
        f"/class/assignments/{assignment['id']}/runs",
        headers={**TEACHER, **SAME_SITE},
        follow_redirects=False,
    )
    assert started.status_code == 303 and "#owner=" in started.headers["location"]
    forked = teacher_client.post(
        f"/class/runs/{student['id']}/fork",
        data={"step": "4"},
        headers={**TEACHER, **SAME_SITE},
        follow_redirects=False,
    )
    assert forked.status_code == 303, forked.text
    fork_id = forked.headers["location"].split("#")[0].removeprefix("/runs/")
    fork = teacher_client.get(f"/api/runs/{fork_id}").json()
    assert fork["steps"] == 4 and fork["config"]["locks"] == ["learning_rate"]
    listed = {run["id"]: run for run in summary(teacher_client, assignment)["runs"]}
    assert listed[student["id"]]["teacher"] is False
    assert listed[fork_id]["teacher"] is True
    assert listed[fork_id]["forked_from"] == {"run_id": student["id"], "step": 4}
    assert sum(run["teacher"] for run in listed.values()) == 2
    # The list of every run marks the teacher's.
    class_page = teacher_client.get("/class", headers=TEACHER).text
    assert class_page.count('<span class="run-tag">yours</span>') == 2
    # Only the teacher, and only from this site; a step the run lacks is refused.
    assert (
        teacher_client.post(
            f"/class/runs/{student['id']}/fork", data={"step": "1"}, headers=SAME_SITE
        ).status_code
        == 401
    )
    assert (
        teacher_client.post(
            f"/class/runs/{student['id']}/fork",
            data={"step": "1"},
            headers={**TEACHER, **CROSS_SITE},
        ).status_code
        == 403
    )
    too_far = teacher_client.post(
        f"/class/runs/{student['id']}/fork", data={"step": "99"}, headers={**TEACHER, **SAME_SITE}
    )
    assert too_far.status_code == 422
    assert "This run cannot be forked" in too_far.text
