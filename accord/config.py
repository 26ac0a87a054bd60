"""Every setting Accord reads from the environment, in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="ignore")

    # Where the embedded PostgreSQL and Temporal keep their state.
    data_dir: Path = Path(".accord")
    # An external PostgreSQL; unset means the embedded one under data_dir.
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "ACCORD_DATABASE_URL"))
    db_pool_size: int = 10
    db_max_overflow: int = 5

    # An external Temporal frontend (host:port); unset means the embedded dev server.
    temporal_address: str | None = Field(
        default=None, validation_alias=AliasChoices("TEMPORAL_ADDRESS", "ACCORD_TEMPORAL_ADDRESS")
    )
    temporal_namespace: str = "default"
    task_queue: str = "accord"
    # Used to link an order to its workflow in the Temporal Web UI; unset: the embedded UI on its port.
    temporal_ui_url: str = ""
    # Ports of the embedded Temporal dev server.
    temporal_port: int = 7233
    temporal_ui_port: int = 8233

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = 2
    # Worker processes `accord run` starts (each runs every workflow and activity).
    worker_processes: int = 2

    # The operator's timezone: business dates (start dates, bill days) are local dates here.
    timezone: str = "UTC"

    # How long a POST's Idempotency-Key is remembered (its answer replayed to a retry): at least a day.
    idempotency_retention_hours: int = Field(default=24, ge=24)

    # Customer emails unique case-insensitively (enforced in the database: table customer_emails).
    unique_customer_emails: bool = True

    # The currency of agreements opened through the TM Forum facade (TMF666 billingAccount) when the
    # request names none (its creditLimit's unit, if given, names one).
    default_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    # development: a request may name its principal (X-Accord-User, X-Accord-Channel); production: never.
    environment: Literal["development", "production"] = "development"

    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _ui_on_its_port(self) -> Settings:
        if not self.temporal_ui_url:
            self.temporal_ui_url = f"http://127.0.0.1:{self.temporal_ui_port}"
        return self

    @property
    def embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def temporal_target(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
