"""One ticketd process for the multiprocess metrics test: `python -m
tests.support.metrics_process DATABASE_URL N` answers N in-process GET /healthz, then
prints what its /metrics shows, and exits. PROMETHEUS_MULTIPROC_DIR comes from the
environment, as it would for `ticketd serve`."""

import asyncio
import sys

import httpx

from ticketd.app import build_services, create_app
from ticketd.settings import Settings


async def main(database_url: str, requests: int) -> None:
    services = build_services(Settings(database_url=database_url))
    await services.db.connect()
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as http:
        for _ in range(requests):
            assert (await http.get("/healthz")).status_code == 200
        print((await http.get("/metrics")).text)
    await services.db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
