"""Typed settings, read once from TICKETD_* environment variables."""

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETD_", extra="ignore")

    database_url: str = "sqlite:///ticketd.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Series documents 25 requests per second per API key.
    rate_limit_per_second: int = Field(default=25, ge=1)
    # How long API-key and workspace-configuration lookups are cached in a process.
    # Changes made by another process (the CLI) are seen after at most this long.
    cache_ttl_seconds: float = Field(default=2.0, ge=0)
    database_pool_size: int = Field(default=10, ge=1)
    log_level: str = "info"
    # Where the Socialboards-style helpdesk API is served.
    helpdesk_prefix: str = Field(default="/helpdesk", pattern=r"^(/[A-Za-z0-9._~-]+)+$")
    # Signs helpdesk access tokens. Unset: a random key is made on first use and kept in
    # the database, so every process on that database shares it.
    secret_key: SecretStr | None = Field(default=None, min_length=32)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
