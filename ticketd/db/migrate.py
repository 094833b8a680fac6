"""Bring a database to the newest Alembic revision."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_url(url: str) -> str:
    """The SQLAlchemy URL Alembic uses: stdlib sqlite3, or asyncpg for PostgreSQL."""
    if url.startswith("sqlite"):
        return url
    scheme, rest = url.split("://", 1)
    if not scheme.startswith("postgres"):
        raise ValueError(f"Unsupported database URL {url!r}")
    return f"postgresql+asyncpg://{rest}"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", alembic_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    """The newest revision this code knows (what a current database is at)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
