"""Settings read from the environment (prefix `STEPWISE_`), with defaults for one machine."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    max_live_runs: int = Field(
        default=64, ge=1, description="TensorFlow sessions kept in memory; older ones are rebuilt."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'stepwise.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
