"""Schemathesis against `/openapi.json`: whatever is sent, no answer is a server error, and every
answer is one the schema documents (status code, content type, body, headers).

Generated run ids are almost never real, which would only fuzz the 404 path; so the cases are
aimed in turn at their own random id or at one of a few real runs in different states (new,
stepped with Adam and mini-batches, diverged, one whose owner token is not sent), and the 403,
409 and 422 paths of real runs are fuzzed too. Stateful scenarios then create runs with
generated settings and work on them.

Both run twice. First derandomized: every run sends the same requests. Then with random
generation, on an app of its own, from a seed that is new on each run unless
STEPWISE_FUZZ_SEED gives it; a failure of the random run prints the seed and how to replay it.
"""

import copy
import itertools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, seed, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.main import create_app
from app.runs.owners import OWNER_HEADER
from app.settings import Settings
from tests.owners import owner_headers

pytestmark = pytest.mark.slow  # Starts the fuzzer: not in the fast tier.

MAX_EXAMPLES = 25
SCENARIOS = 40
SCENARIO_STEPS = 8
RANDOM_MAX_EXAMPLES = 40
RANDOM_SCENARIOS = 60
# The random run's seed: new on every run, or the one a failure printed.
RANDOM_SEED = int(os.environ.get("STEPWISE_FUZZ_SEED") or secrets.randbits(64))
# Streams are paced by design; real runs get at most this interval, so a case stays short.
MAX_STREAM_INTERVAL_MS = 2


@dataclass(frozen=True)
class Target:
    run_id: str
    owner_token: str | None


def create_target(client: asgi.ASGIClient, steps: int, **spec: object) -> Target:
    created = client.post("/api/runs", json=spec)
    assert created.status_code == 201, created.text
    run = created.json()
    if steps:
        url = f"/api/runs/{run['id']}/step"
        stepped = client.post(url, json={"n": steps}, headers=owner_headers(run))
        assert stepped.status_code == 200, stepped.text
    return Target(run["id"], run["owner_token"])


def start_fuzz_app(tmp_path_factory) -> FastAPI:
    app = create_app(
        Settings(
            data_dir=tmp_path_factory.mktemp("fuzz") / "data",
            max_points=50,
            max_steps_per_request=200,
            max_live_runs=8,
            # Fuzzing sends far more requests to one run than a learner would.
            run_rate_limit="10000/second",
        )
    )
    with asgi.get_client(app) as client:  # Starts the app's lifespan, as a server would.
        fresh = create_target(client, 0)
        stepped = create_target(
            client, 12, optimizer={"name": "adam"}, batch_size=2, loss="mean_squared_error"
        )
        diverged = create_target(client, 200, learning_rate=0.05)
        viewer = Target(create_target(client, 3).run_id, None)
    # In turn: the generated id (the 404 path), then each real run. The cases come in the
    # same order on every run (derandomized), so each meets the same run every time.
    app.state.fuzz_targets = itertools.cycle([None, fresh, stepped, diverged, viewer])
    return app


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    yield start_fuzz_app(tmp_path_factory)
    asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def random_fuzz_app(tmp_path_factory):
    """The random run's own app, so replaying it alone meets the runs in the same states."""
    yield start_fuzz_app(tmp_path_factory)
    asgi.shutdown_lifespans()


@pytest.fixture
def replay_hint():
    """pytest shows a failing test's output, so a failure of the random run names its seed,
    however it failed (a check, a server error, or Hypothesis finding the replay flaky)."""
    print(
        f"Random generation seed {RANDOM_SEED}. Replay: "
        f"STEPWISE_FUZZ_SEED={RANDOM_SEED} .venv/bin/pytest tests/api/test_fuzz.py -k random"
    )


def fuzz_config(**options: object) -> SchemathesisConfig:
    """Schemathesis's defaults, but a schema-violating body may also be refused with 413: one
    past the size limit (e.g. a `points_csv` beyond its `maxLength`) is, as documented."""
    defaults = SchemathesisConfig().projects.default.checks.negative_data_rejection
    refusals = [*defaults.expected_statuses, "413"]
    checks = {"negative_data_rejection": {"expected-statuses": refusals}}
    return SchemathesisConfig.from_dict({**options, "checks": checks})


# The schema is read once at import, from an app whose lifespan never starts (nothing is
# opened); each case is then sent to `fuzz_app`, which runs as a server would.
OPENAPI = create_app(Settings()).openapi()
schema = schemathesis.openapi.from_dict(copy.deepcopy(OPENAPI), config=fuzz_config())
# Schemathesis derives each operation's seed from this one.
random_schema = schemathesis.openapi.from_dict(
    copy.deepcopy(OPENAPI), config=fuzz_config(seed=RANDOM_SEED)
)


def send_owner_token(case: schemathesis.Case, token: str) -> None:
    """Send `token` as the owner's header, replacing a generated one whatever its name's case."""
    headers = case.headers or {}
    case.headers = {k: v for k, v in headers.items() if k.lower() != OWNER_HEADER.lower()}
    case.headers[OWNER_HEADER] = token


def keep_streams_short(case: schemathesis.Case) -> None:
    """Streams are paced by design: on a real run, a long interval would only make a case slow,
    and one that waits for its page would wait for ever for a fuzzer that never says what it
    shows (tests/api/test_run_stream.py and test_stream_stop.py say it)."""
    if case.path.endswith("/stream") and case.query and "wait_for_page" in case.query:
        case.query["wait_for_page"] = "false"
    if case.path.endswith("/stream") and case.query and "interval_ms" in case.query:
        try:
            interval = int(case.query["interval_ms"])  # Generated as a number or as text.
        except (TypeError, ValueError):
            return
        case.query["interval_ms"] = min(interval, MAX_STREAM_INTERVAL_MS)


def aim(case: schemathesis.Case, targets: Iterator[Target | None]) -> None:
    """Point a case with a run id at the next target: a real run, or its own random id."""
    if not case.path_parameters or "run_id" not in case.path_parameters:
        return
    target = next(targets)
    if target is None:
        return  # A random id: the 404 path.
    case.path_parameters["run_id"] = target.run_id
    if target.owner_token:  # A viewer keeps a generated (wrong) token, or none.
        send_owner_token(case, target.owner_token)
    keep_streams_short(case)


HYPOTHESIS_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    # No shrinking: a failure is reported as found, instead of minutes spent minimising it.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
RANDOM_SETTINGS = settings(HYPOTHESIS_SETTINGS, derandomize=False)
SCENARIO_SETTINGS = settings(HYPOTHESIS_SETTINGS, stateful_step_count=SCENARIO_STEPS)


def call_and_validate(case: schemathesis.Case, app: FastAPI) -> None:
    aim(case, app.state.fuzz_targets)
    # Every built-in check but one: schema-valid input may still break a rule the schema cannot
    # state (one source of points, b_min < b_max, n within the server's configured maximum),
    # and is then rightly refused with 422.
    case.call_and_validate(app=app, excluded_checks=[positive_data_acceptance])


@schema.parametrize()
@settings(HYPOTHESIS_SETTINGS, max_examples=MAX_EXAMPLES)
def test_no_server_error_and_every_answer_as_documented(case, fuzz_app):
    call_and_validate(case, fuzz_app)


@random_schema.parametrize()
@settings(RANDOM_SETTINGS, max_examples=RANDOM_MAX_EXAMPLES)
def test_random_no_server_error_and_every_answer_as_documented(case, random_fuzz_app, replay_hint):
    call_and_validate(case, random_fuzz_app)


def test_scenarios_on_runs_the_fuzzer_creates(fuzz_app):
    """Stateful: Schemathesis follows the links it infers from the schema (a created run's `id`
    to every `{run_id}`), so runs with generated settings are stepped, streamed, explained,
    forked and reset."""
    scenario(schema, fuzz_app).run(settings=settings(SCENARIO_SETTINGS, max_examples=SCENARIOS))


def test_random_scenarios_on_runs_the_fuzzer_creates(random_fuzz_app, replay_hint):
    machine = seed(RANDOM_SEED)(scenario(random_schema, random_fuzz_app))
    random = settings(SCENARIO_SETTINGS, derandomize=False, max_examples=RANDOM_SCENARIOS)
    machine.run(settings=random)


def scenario(api: schemathesis.BaseSchema, app: FastAPI) -> type:
    """A state machine over `api` that sends every call to `app`. Like the page, it keeps each
    created run's owner token and sends it."""
    tokens: dict[str, str] = {}

    class Scenario(api.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"app": app}

        def before_call(self, case):
            run_id = (case.path_parameters or {}).get("run_id")
            if run_id in tokens:
                send_owner_token(case, tokens[run_id])
            keep_streams_short(case)

        def after_call(self, response, case):
            super().after_call(response, case)
            if response.status_code == 201:
                created = response.json()
                tokens[created["id"]] = created["owner_token"]

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=[positive_data_acceptance],
                transport_kwargs=kwargs,
                recorder=getattr(self, "recorder", None),
            )

    return Scenario


# What Schemathesis found, kept as plain tests.


def test_an_optimizer_without_a_name_is_gradient_descent(client):
    created = client.post("/api/runs", json={"optimizer": {}})
    assert created.status_code == 201, created.text
    assert created.json()["config"]["optimizer"] == "gradient_descent"
    refused = client.post("/api/runs", json={"optimizer": {"name": "sgd"}})
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "optimizer: name must be one of gradient_descent, momentum, adagrad, rmsprop, adam"
    )


def test_a_body_that_is_not_utf8_is_refused_like_one_that_is_not_json(client):
    headers = {"Content-Type": "application/json"}
    for body in (b"\xd7\x12V\xff", b"{not json"):
        response = client.post("/api/runs", content=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["detail"] == "the request body is not valid JSON"


def test_a_history_page_after_any_storable_step_is_refused_not_a_server_error(client):
    """Random generation sent `after` past SQLite's INTEGER: a 500."""
    run_id = client.post("/api/runs").json()["id"]
    assert client.get(f"/api/runs/{run_id}/history", params={"after": 2**31 - 1}).is_success
    for after in (2**31, 2**63, 10**30):
        response = client.get(f"/api/runs/{run_id}/history", params={"after": after})
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith("after: ")
