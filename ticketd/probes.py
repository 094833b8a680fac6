"""Probes for whoever runs ticketd: `/healthz` (the process answers) and `/readyz`
(it can serve: the database answers within a second and is at this code's migration)."""

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ticketd.db.migrate import head_revision

READY_TIMEOUT_SECONDS = 1.0
HEAD = head_revision()


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    checks = {"database": await _database(request.app.state.services.db)}
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503,
                        headers={"cache-control": "no-store"})  # fmt: skip


async def _database(db: Any) -> str:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            async with db.connection() as conn:
                revision = await conn.fetchval("SELECT version_num FROM alembic_version")
    except TimeoutError:
        return "no answer within a second"
    except Exception as error:  # any driver or network failure means "not ready"
        return f"failed ({type(error).__name__})"
    return "ok" if revision == HEAD else f"at migration {revision}, this code needs {HEAD}"
