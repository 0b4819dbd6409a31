"""Every answer carries the security headers; no origin but the server's own may read the API."""

import re

import pytest
from fastapi.testclient import TestClient

from app.api.security import SECURITY_HEADERS
from app.main import create_app
from tests.assets import asset_path
from tests.navigation import NAVIGATION

OTHER_ORIGIN = "https://elsewhere.example"


@pytest.fixture
def run(client):
    response = client.post("/api/runs", json={})
    assert response.status_code == 201
    return response.json()


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_the_policy_forbids_inline_script_eval_plugins_base_and_framing():
    policy = directives(SECURITY_HEADERS["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    # Nothing anywhere may name another host, a wildcard or a scheme that runs code.
    for values in policy.values():
        for value in values:
            assert re.fullmatch(r"'self'|'none'|'unsafe-inline'|data:|blob:", value), value
    assert "'unsafe-inline'" not in policy["script-src"]
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/compare?runs=a,b", 200),
        ("GET", "/runs/no-such-run", 404),
        ("GET", "/api/runs/no-such-run", 404),
        ("GET", "/api/runs/no-such-run/surface?b_min=x", 422),
        ("GET", "static:js/pages/run.js", 200),
        ("GET", "plotly:plotly-cartesian.min.js", 200),
        ("GET", "static:no-such-file.js", 404),
        ("GET", "/docs", 200),
        ("GET", "/vendor/swagger-ui/swagger-ui-bundle.js", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/livez", 200),
        ("GET", "/healthz", 200),
        ("DELETE", "/api/runs", 405),
    ],
)
def test_every_kind_of_answer_carries_the_headers(client, method, path, status):
    if not path.startswith("/"):  # A file of the app's, at its versioned address.
        path = asset_path(client.app, *path.split(":"))
    response = client.request(method, path)
    assert response.status_code == status
    assert_security_headers(response)


def test_run_pages_json_exports_and_streams_carry_the_headers(client, run):
    run_id = run["id"]  # The client sends the run's owner token, as the page does.
    answers = [
        client.get(f"/runs/{run_id}"),
        client.get(f"/api/runs/{run_id}"),
        client.post(f"/api/runs/{run_id}/step", json={"n": 2}),
        client.get(f"/api/runs/{run_id}/history.csv"),
        client.get(f"/api/runs/{run_id}/script.py"),
        client.get("/", headers=NAVIGATION, follow_redirects=False),
    ]
    with client.stream("GET", f"/api/runs/{run_id}/stream", params={"n": 2}) as streamed:
        streamed.read()
        answers.append(streamed)
    for response in answers:
        assert response.status_code < 400, response.request.url
        assert_security_headers(response)


def test_static_files_have_their_real_types_for_nosniff(client):
    # With nosniff the browser runs a script only if it is served as JavaScript.
    for route, path in [
        ("static", "js/pages/run.js"),
        ("plotly", "plotly-cartesian.min.js"),
        ("static", "js/pages/api-docs.js"),
    ]:
        response = client.get(asset_path(client.app, route, path))
        assert "javascript" in response.headers["content-type"], path
    stylesheet = client.get(asset_path(client.app, "static", "css/stepwise.css"))
    assert stylesheet.headers["content-type"].startswith("text/css")


def test_docs_page_has_no_inline_script_and_nothing_from_elsewhere(client):
    html = client.get("/docs").text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, html
    for attributes, body in scripts:
        assert body.strip() == "", attributes
        assert re.search(r'src="(http://testserver)?/', attributes), attributes
    assert not re.search(r"https?://(?!testserver/)", html)
    assert client.get("/redoc").status_code == 404


def test_no_cross_origin_reads_are_allowed(client, run):
    """No CORS: a page on another origin gets no Access-Control-Allow-Origin, so its script
    cannot read a run, and its preflight for a JSON POST is not granted."""
    simple = client.get(f"/api/runs/{run['id']}", headers={"Origin": OTHER_ORIGIN})
    assert simple.status_code == 200
    preflight = client.options(
        f"/api/runs/{run['id']}/step",
        headers={
            "Origin": OTHER_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-owner-token",
        },
    )
    assert preflight.status_code >= 400
    for response in (simple, preflight):
        assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_an_unexpected_error_answers_500_with_the_headers(settings):
    app = create_app(settings)

    def fail() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/fail", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/fail")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "internal server error",
        "code": "internal_error",
        "params": {},
    }
    assert_security_headers(response)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},  # An older browser: Origin alone.
    ],
)
def test_another_sites_page_cannot_change_anything_through_the_api(client, headers):
    run_id = client.post("/api/runs", json={}).json()["id"]
    before = client.get(f"/api/runs/{run_id}").json()
    for path in ("/api/runs", f"/api/runs/{run_id}/step", f"/api/runs/{run_id}/fork"):
        empty = client.post(path, headers=headers)  # A no-cors fetch: no body, no JSON type.
        assert empty.status_code == 403, path
        assert "another site" in empty.json()["detail"]
        assert empty.headers["content-security-policy"]
    assert client.get(f"/api/runs/{run_id}").json() == before
    assert len(client.app.state.service.summaries(100)) == 1


@pytest.mark.parametrize(
    "headers", [{}, {"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}]
)
def test_the_sites_own_pages_and_programs_may(client, headers):
    assert client.post("/api/runs", headers=headers).status_code == 201
