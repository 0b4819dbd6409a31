"""Settings read from the environment (prefix `STEPWISE_`), with defaults for one machine."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from limits import parse
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_computations() -> int:
    # Two per core: while one computation waits on the store, another can use the core.
    return 2 * (os.cpu_count() or 4)


class Settings(BaseSettings):
    """Everything an operator may change; each field is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="STEPWISE_")

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Directory for the SQLite database (created if missing).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite file in data_dir.",
    )
    max_steps_per_request: int = Field(
        default=10_000, ge=1, description="Largest n for one step request or one stream."
    )
    max_points: int = Field(default=1000, ge=2, description="Most points one run may fit.")
    max_shared_graphs: int = Field(
        # A graph is about 1 MiB; runs with the same data and settings share one.
        default=64,
        ge=1,
        description="Run graphs kept built, each shared by the runs of its data and settings.",
    )
    warm_sessions: int = Field(
        # A session started ahead of need spares a new run's first step tens of milliseconds.
        default=2,
        ge=0,
        description="Sessions kept ready for each of the graphs most in demand; 0: none.",
    )
    max_live_runs: int = Field(
        # A class of 200 fits: fewer would evict and rebuild sessions on nearly every request
        # (bench/load_class.py), at about 0.6 MiB a session.
        default=256,
        ge=1,
        description="TensorFlow sessions kept in memory; older ones are rebuilt.",
    )
    teacher_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Opens the teacher's page /class; without it /class does not exist.",
    )
    idle_session_seconds: float = Field(
        default=600,
        gt=0,
        description="A session unused this long is closed; its run is rebuilt on its next use.",
    )
    max_steps_per_run: int = Field(
        default=100_000, ge=1, description="Most steps one run keeps; then fork or reset it."
    )
    max_concurrent_computations: int = Field(
        default_factory=_default_computations,
        ge=1,
        description="TensorFlow computations at once; beyond, requests are answered 503.",
    )
    compute_wait_seconds: float = Field(
        default=0.5, ge=0, description="How long a request waits for a computation slot."
    )
    run_rate_limit: str = Field(
        default="30/second",
        description="Step, stream and reset requests one run accepts ('limits' notation).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body; beyond, 413."
    )
    # Limits per client. A class shares one address, so a browser is told apart by its client
    # cookie; requests without one (scripts) share their address's allowance.
    create_rate_limit: str = Field(
        default="20/minute",
        description="New runs and forks one browser may start ('limits' notation).",
    )
    create_rate_limit_per_address: str = Field(
        default="600/minute",
        description="New runs and forks from one address, every browser behind it together.",
    )
    max_streams_per_client: int = Field(
        default=4, ge=1, description="Streams one browser may hold open at once."
    )
    max_streams_per_address: int = Field(
        default=300, ge=1, description="Streams open at once from one address, all together."
    )
    stream_send_timeout_seconds: float = Field(
        default=30,
        gt=0,
        description="A stream whose reader takes no data for this long is closed.",
    )
    # The HTTP server's own limits (app/serve.py, app/http_limits.py): what a client may hold
    # open or send before the app sees its request.
    header_timeout_seconds: float = Field(
        default=10,
        gt=0,
        description="A request head not complete this long after its first byte (or after the "
        "connection opened) closes the connection.",
    )
    body_timeout_seconds: float = Field(
        default=10,
        gt=0,
        description="A request body that sends no byte for this long is answered 408.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=4096,
        description="Largest request line and header block; beyond, 431.",
    )
    max_header_count: int = Field(
        default=100, ge=16, description="Most header fields in one request; beyond, 431."
    )
    # The store's size and how long it keeps runs (app/storage/retention.py): a class cannot
    # fill the disk, and runs nobody uses go.
    storage_budget_mb: float = Field(
        default=2048,
        gt=0,
        description="Size in MiB the store is kept under: the least recently active runs are "
        "deleted first; if none may go, new runs, forks and steps answer 507.",
    )
    retention_days: int = Field(
        default=30,
        ge=0,
        description="Runs not stepped or reset for this many days are deleted; 0 keeps them.",
    )
    storage_sweep_seconds: float = Field(
        default=300,
        gt=0,
        description="How often the retention policy and the budget are applied.",
    )

    frame_ancestors: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Origins allowed to show Stepwise in a frame (a course page, an LMS), "
        "such as https://course.example.edu, separated by spaces or commas; none by default.",
    )

    @field_validator("frame_ancestors", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if isinstance(value, list | tuple):  # Given in code, each is checked all the same.
            return tuple(origin_of(str(text)) for text in value)
        return value

    @field_validator("run_rate_limit", "create_rate_limit", "create_rate_limit_per_address")
    @classmethod
    def _valid_rate(cls, rate: str) -> str:
        parse(rate)  # Raises ValueError on anything but one rate such as "30/second".
        return rate

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'stepwise.db'}"


def origin_of(text: str) -> str:
    """`scheme://host[:port]` of an http(s) origin, lower-cased; ValueError for anything
    else (a path, a query, a user name, a wildcard, a name not in ASCII: an internationalised
    domain is given in its `xn--` form), which a CSP source would read otherwise."""
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or not all(c.isascii() and (c.isalnum() or c in ".-:[]") for c in parts.netloc)
    ):
        raise ValueError(f"{text!r} is not an origin such as https://course.example.edu")
    _ = parts.port  # Raises ValueError for a port that is not a number in range.
    return f"{parts.scheme}://{parts.netloc.lower()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
