"""`ticketd migrate`, run as a real subprocess on SQLite files of its own."""

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from tests.support.cli import make_workspace, workspace_count
from tests.support.servers import run_cli
from ticketd.db.migrate import HEAD_REVISION, alembic_config

pytestmark = pytest.mark.slow


# --- migrate ---------------------------------------------------------------------


def _head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def _schema_revision(sqlite_file: Path) -> str:
    with closing(sqlite3.connect(sqlite_file)) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_the_head_revision_ticketd_knows_is_alembics(tmp_path: Path) -> None:
    assert _head_revision(f"sqlite:///{tmp_path / 'x.db'}") == HEAD_REVISION


def test_migrate_brings_a_fresh_sqlite_file_to_the_newest_revision(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    url = f"sqlite:///{database}"

    result = run_cli(url, "migrate")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Database is at the newest migration."
    assert _schema_revision(database) == _head_revision(url)
    assert workspace_count(database) == 0


def test_migrate_run_twice_succeeds_and_keeps_the_data(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    url = f"sqlite:///{database}"
    assert run_cli(url, "migrate").returncode == 0
    make_workspace(url, config=None, keys=0)

    result = run_cli(url, "migrate")

    assert result.returncode == 0, result.stderr
    assert _schema_revision(database) == _head_revision(url)
    assert workspace_count(database) == 1
