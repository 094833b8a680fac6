"""Probes for whoever runs ticketd: `/healthz` (the process answers) and `/readyz`
(it can serve: the database answers within a second and is at this code's migration,
and Redis answers when TICKETD_REDIS_URL is set)."""

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ticketd.db.migrate import head_revision
from ticketd.kit import changes

READY_TIMEOUT_SECONDS = 1.0
HEAD = head_revision()


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services = request.app.state.services
    checks = {"database": await _database(services.db)}
    if services.settings.redis_url:
        checks["redis"] = await _redis()
    # Without Redis every process still serves (each limiting on its own), so a Redis
    # outage makes the service degraded, not unready: taking every process out of the
    # load balancer at once would turn it into an outage.
    ready = checks["database"] == "ok"
    status = "ready" if set(checks.values()) == {"ok"} else "degraded" if ready else "not ready"
    body = {"status": status, "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503,
                        headers={"cache-control": "no-store"})  # fmt: skip


async def _redis() -> str:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await changes.FEED.ping()
    except TimeoutError:
        return "no answer within a second"
    except Exception as error:  # the client's errors, or the network's
        return f"failed ({type(error).__name__})"
    return "ok"


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
