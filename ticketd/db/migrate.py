"""Bring a database to the newest Alembic revision. Alembic (and SQLAlchemy under it)
is imported only to migrate: a server process is ~35 MiB smaller without it."""

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from ticketd.db.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision this code knows: what a current database is at (/readyz).
# tests/test_cli_migrate.py checks it against Alembic's reading of migrations/versions.
HEAD_REVISION = "0018"


def alembic_url(url: str) -> str:
    """The SQLAlchemy URL Alembic uses: stdlib sqlite3, or asyncpg for PostgreSQL."""
    if url.startswith("sqlite"):
        return url
    scheme, rest = url.split("://", 1)
    if not scheme.startswith("postgres"):
        raise ValueError(f"Unsupported database URL {url!r}")
    return f"postgresql+asyncpg://{rest}"


def alembic_config(url: str) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", alembic_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


async def current_revision(db: Database) -> str | None:
    """The revision the database is at; None before its first migration."""
    try:
        async with db.connection() as conn:
            revision: str | None = await conn.fetchval("SELECT version_num FROM alembic_version")
            return revision
    except (sqlite3.OperationalError, asyncpg.UndefinedTableError):
        return None
