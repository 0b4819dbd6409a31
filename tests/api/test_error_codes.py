"""Errors carry a code and parameters, so the page says them in its own language; every code
the server answers with has a message in each catalogue, filled by exactly its parameters."""

import re
import string

import pytest

from app.i18n import LANGUAGES, messages
from app.runs import errors
from app.storage.full_disk import StorageBudgetFullError, StorageFullError
from tests.runs_api import create_run

# One of each error the service raises, made as the service makes it.
RAISED = [
    errors.RunNotFoundError("abc"),
    errors.RunDivergedError(12),
    errors.RunResetError(),
    errors.RunChangedError(),
    errors.RunFullError(99_990, 100_000),
    errors.ServerBusyError(4, 1),
    errors.RunBusyError(2.5),
    errors.RunRateLimitedError("30/second", 1),
    errors.CreateRateLimitedError("20/minute", 3),
    errors.TooManyStreamsError(4, "browser"),
    errors.TooManyStreamsError(300, "address"),
    errors.RunContendedError(8),
    errors.StepNotFoundError(9, 4),
    errors.NodeNotFoundError("weights/Adam"),
    errors.InvalidRunRequestError("must be positive", field="learning_rate"),
    errors.NotOwnerError(),
    errors.LockedSettingError("learning_rate", "base"),
]
# Codes given outside those classes: a full disk or budget, a crash, a stream's shutdown.
OTHER_CODES = {
    StorageFullError.code: {"retry_after"},
    StorageBudgetFullError.code: {"retry_after"},
    "internal_error": set(),
    "shutdown": set(),
    # Answered outside the run service: any HTTPException (an unknown route, the teacher's
    # gates), the middleware's and the HTTP server's own refusals.
    "http_error": {"detail"},
    "body_too_large": {"max_bytes"},
    "cross_site": set(),
    "head_too_large": {"max_bytes"},
    "too_many_headers": {"max_count"},
    "body_timeout": {"seconds"},
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_has_a_message_filled_by_its_own_parameters(language):
    catalogue = messages(language)
    expected = {error.code: set(error.params) for error in RAISED} | OTHER_CODES
    for code, params in expected.items():
        text = catalogue[f"error.{code}"]
        assert placeholders(text) <= params, (code, placeholders(text) - params)
    known = {key for key in catalogue if key.startswith("error.")}
    assert known == {f"error.{code}" for code in expected}  # No message for a code never sent.


def test_an_answer_carries_the_english_detail_its_code_and_its_parameters(client, viewer):
    missing = client.post("/api/runs/nope/step")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "no run with id 'nope'",
        "code": "run_not_found",
        "params": {"run_id": "nope"},
    }
    run = create_run(client)
    refused = viewer.post(f"/api/runs/{run['id']}/step")  # Without the owner token.
    assert (refused.status_code, refused.json()["code"]) == (403, "not_owner")
    invalid = client.post("/api/runs", json={"learning_rate": -1})
    body = invalid.json()
    assert (invalid.status_code, body["code"]) == (422, "invalid_request")
    assert body["params"] == {"detail": body["detail"]}
    assert re.search("learning_rate", body["detail"])


def test_answers_from_outside_the_run_service_carry_a_code_too(client):
    # Once only their detail: a page could not say them in its language (found by probing).
    unknown = client.get("/api/nothing-here")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "detail": "Not Found",
        "code": "http_error",
        "params": {"detail": "Not Found"},
    }
    wrong_method = client.delete("/api/runs")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "http_error")
    too_large = client.post("/api/runs", content=b"x" * 2_000_000)
    assert too_large.status_code == 413
    assert too_large.json()["code"] == "body_too_large"
    assert too_large.json()["params"]["max_bytes"] > 0
    cross_site = client.post("/api/runs", headers={"Sec-Fetch-Site": "cross-site"})
    assert (cross_site.status_code, cross_site.json()["code"]) == (403, "cross_site")
    assert cross_site.json()["params"] == {}
