"""Typed settings, read once from TICKETD_* environment variables."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ticketd.notify.outbound import AllowList


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETD_", extra="ignore")

    # production refuses what is unsafe there (docs/deployment.md): a demo workspace,
    # an unset secret key, several processes on SQLite.
    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///ticketd.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Series documents 25 requests per second per API key.
    rate_limit_per_second: int = Field(default=25, ge=1)
    # How long API-key and workspace-configuration lookups are cached in a process.
    # Changes made by another process (the CLI) are seen after at most this long.
    cache_ttl_seconds: float = Field(default=2.0, ge=0)
    database_pool_size: int = Field(default=10, ge=1)
    # "transaction": TICKETD_DATABASE_URL is a pooler in transaction-pooling mode
    # (pgbouncer's pool_mode = transaction), where no prepared statement may be named
    # (docs/operations.md, "Behind pgbouncer"). Session pooling needs nothing: "none".
    database_pooler: Literal["none", "transaction"] = "none"
    # SQLite: how long a write waits for another process's write lock (the CLI, a
    # `ticketd worker`) before answering 503; the event loop serves others meanwhile.
    sqlite_lock_wait_seconds: float = Field(default=3.0, gt=0, le=60)
    # Redis links the processes of one deployment: API key limits hold across all of
    # them, and a change to keys, clients or configuration reaches each one at once.
    # Unset: each process limits and caches on its own (docs/deployment.md).
    redis_url: str | None = Field(default=None, pattern=r"^(rediss?|unix)://\S+$")
    # Slow clients (ticketd/serving.py): a request's headers must arrive within this
    # long, its body within the next; a connection that takes longer is closed.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    # Connections (and requests) one process serves at once; past it, uvicorn answers
    # 503 to new requests.
    max_connections: int = Field(default=1000, ge=1)
    # The event loop `ticketd serve` runs: uvloop is faster; asyncio's own serves
    # requests in turn when the process is saturated (docs/decisions.md, "Event loop").
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = "info"
    access_log: bool = True  # one JSON line per request, at level info
    # Where the Socialboards-style helpdesk API is served.
    helpdesk_prefix: str = Field(default="/helpdesk", pattern=r"^(/[A-Za-z0-9._~-]+)+$")
    # Signs helpdesk access tokens. Unset: a random key is made on first use and kept in
    # the database, so every process on that database shares it.
    secret_key: SecretStr | None = Field(default=None, min_length=32)
    # Where people reach ticketd from outside; notifications link to tickets under it.
    public_base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$")

    # The staff dashboard: a session ends after this long without a request.
    staff_session_idle_hours: float = Field(default=12.0, gt=0)

    # Notifications (docs/notifications.md). Webhook and Discord URLs may not point at
    # loopback, private, link-local or metadata addresses except those listed here
    # (comma-separated host names, addresses or CIDR ranges).
    outbound_allow_hosts: str = ""
    delivery_first_retry_seconds: float = Field(default=5.0, gt=0)
    delivery_max_retry_interval_seconds: float = Field(default=900.0, gt=0)
    delivery_give_up_after_seconds: float = Field(default=3 * 86400.0, gt=0)
    delivery_timeout_seconds: float = Field(default=10.0, gt=0)
    delivery_poll_seconds: float = Field(default=0.2, gt=0)
    delivery_concurrency: int = Field(default=16, ge=1)
    delivery_retention_hours: float = Field(default=7 * 24.0, gt=0)

    # E-mail to ticket creators and cc on staff replies; off while smtp_host is unset.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "ticketd@localhost"

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("outbound_allow_hosts")
    @classmethod
    def _allow_list(cls, value: str) -> str:
        AllowList.parse(value)  # a ValueError names the bad entry
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_problems(error: ValidationError) -> list[str]:
    """Each bad setting as its operator wrote it: the variable, the value, what it takes.
    Secrets are never echoed."""
    found = []
    for problem in error.errors(include_url=False):
        name = "TICKETD_" + "_".join(str(part) for part in problem["loc"]).upper()
        secret = "secret" in name.lower() or "password" in name.lower()
        value = "" if secret or "input" not in problem else f"={problem['input']!r}"
        found.append(f"{name}{value}: {problem['msg']}")
    return found
