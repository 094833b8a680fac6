"""Counts the SQL statements a request runs, to catch N+1 queries."""

import pytest

from ticketd.db import database


class StatementCounter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        for cls in (database.SqliteConnection, database.PostgresConnection):
            for name in (
                "fetchrow",
                "fetch",
                "fetch_with_custom_plan",
                "fetchval",
                "execute",
                "executemany",
            ):
                monkeypatch.setattr(cls, name, self._wrap(getattr(cls, name)))

    def _wrap(self, method):  # type: ignore[no-untyped-def]
        async def counted(conn, *args):  # type: ignore[no-untyped-def]
            self.count += 1
            return await method(conn, *args)

        return counted

    async def measure(self, call) -> int:  # type: ignore[no-untyped-def]
        self.count = 0
        response = await call
        assert response.status_code == 200, response.text
        return self.count
