"""Probes for whoever runs ticketd: `/healthz` (the process answers) and `/readyz`
(it can serve: the database answers within a second and is at this code's migration,
and Redis answers when TICKETD_REDIS_URL is set)."""

import asyncio
from collections.abc import Awaitable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ticketd.db.migrate import HEAD_REVISION, current_revision
from ticketd.kit import changes

READY_TIMEOUT_SECONDS = 1.0


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
    return await _within_a_second(_answers(changes.FEED.ping()))


async def _database(db: Any) -> str:
    return await _within_a_second(_at_head(db))


async def _answers(ping: Awaitable[Any]) -> str:
    await ping
    return "ok"


async def _at_head(db: Any) -> str:
    revision = await current_revision(db)
    if revision == HEAD_REVISION:
        return "ok"
    if revision is None:
        return f"not migrated, this code needs {HEAD_REVISION}"
    return f"at migration {revision}, this code needs {HEAD_REVISION}"


async def _within_a_second(check: Awaitable[str]) -> str:
    """The check's own answer, or why there was none: any driver, client or network
    failure means "no"."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            return await check
    except TimeoutError:
        return "no answer within a second"
    except Exception as error:
        return f"failed ({type(error).__name__})"
