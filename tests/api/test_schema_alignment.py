"""The OpenAPI schema and the server agree: every answer the server gives to a request body is
one the schema documents, and every integer the schema allows is accepted."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.owners import keep_owner_tokens
from tests.runs_api import create_run as create

JSON = {"Content-Type": "application/json"}
NOT_JSON = "the request body is not valid JSON"
HUGE_INTEGER = b"9" * 5000  # Past Python's 4,300 digits for converting text to an int.
DEEP_ARRAY = b"[" * 10_000 + b"]" * 10_000  # Past what Python's recursive JSON parser allows.
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000


def operations_with_a_body(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                yield f"{method.upper()} {path}", operation


def test_413_is_documented_for_every_operation_that_takes_a_body(client):
    operations = dict(operations_with_a_body(client.app.openapi()))
    for label in ("POST /api/runs", "POST /api/runs/{run_id}/step", "POST /api/runs/{run_id}/fork"):
        assert label in operations
    for label, operation in operations.items():
        too_large = operation["responses"].get("413")
        assert too_large is not None, f"{label} does not document 413"
        schema = too_large["content"]["application/json"]["schema"]
        assert schema["properties"]["detail"] == {"type": "string"}, label


def test_413_answers_as_documented(settings):
    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}))
    with TestClient(app) as raw:
        client = keep_owner_tokens(raw)
        run = create(client)
        documented = app.openapi()["paths"]["/api/runs/{run_id}/step"]["post"]["responses"]
        assert "larger than 1024 bytes" in documented["413"]["description"]
        body = b'{"n": 1' + b" " * 2000 + b"}"
        for url in (f"/api/runs/{run['id']}/step", f"/api/runs/{run['id']}/fork"):
            response = client.post(url, content=body, headers=JSON)
            assert response.status_code == 413, url
            assert response.headers["content-type"] == "application/json"
            assert "larger than 1024 bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"seed": ' + HUGE_INTEGER + b"}",
        HUGE_INTEGER,
        b'{"points": [{"x": 1, "y": -' + HUGE_INTEGER + b"}]}",
    ],
    ids=["in-a-field", "alone", "in-a-point"],
)
def test_an_integer_beyond_pythons_digits_is_refused_as_documented_422(client, body):
    response = client.post("/api/runs", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(NOT_JSON) and "number too large" in detail and "4300 digits" in detail
    assert response.json()["errors"] == [
        {"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}
    ]


def test_an_integer_beyond_pythons_digits_is_422_for_steps_and_forks_too(client):
    run = create(client)
    for url, field in (
        (f"/api/runs/{run['id']}/step", b"n"),
        (f"/api/runs/{run['id']}/fork", b"step"),
    ):
        body = b'{"' + field + b'": ' + HUGE_INTEGER + b"}"
        response = client.post(url, content=body, headers=JSON)
        assert response.status_code == 422, (url, response.text)
        assert "number too large" in response.json()["detail"]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["arrays", "objects"])
def test_a_body_nested_deeper_than_the_parser_allows_is_refused_as_documented_422(client, body):
    run = create(client)
    for url in ("/api/runs", f"/api/runs/{run['id']}/step", f"/api/runs/{run['id']}/fork"):
        response = client.post(url, content=body, headers=JSON)
        assert response.status_code == 422, (url, response.text)
        assert response.headers["content-type"] == "application/json"
        assert response.json()["detail"] == f"{NOT_JSON}: nested too deeply"


def test_an_integer_given_as_a_whole_float_is_that_integer(client):
    created = client.post("/api/runs", json={"seed": 2.0, "num_points": 7.0, "batch_size": 3.0})
    assert created.status_code == 201, created.text
    config = created.json()["config"]
    assert (config["seed"], config["num_points"], config["batch_size"]) == (2, 7, 3)
    assert config == create(client, seed=2, num_points=7, batch_size=3)["config"]
    run_id = created.json()["id"]
    stepped = client.post(f"/api/runs/{run_id}/step", json={"n": 3.0})
    assert stepped.status_code == 200, stepped.text
    assert [r["step"] for r in stepped.json()["records"]] == [1, 2, 3]
    forked = client.post(f"/api/runs/{run_id}/fork", json={"step": 2.0})
    assert forked.status_code == 201, forked.text
    assert forked.json()["config"]["forked_from"] == {"run_id": run_id, "step": 2}


@pytest.mark.parametrize("value", [2.5, 0.1, -1.5, 2.000001])
def test_an_integer_with_a_fractional_part_is_refused_saying_so(client, value):
    response = client.post("/api/runs", json={"seed": value})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "seed: Input should be a whole number, not one with a fractional part"
    )


@pytest.mark.parametrize("value", [True, "3", None, [2], 1e300])
def test_integers_stay_strict_otherwise(client, value):
    response = client.post("/api/runs", json={"seed": value})
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("seed: ")
