"""One process under callgrind: `instructions_runner.py WORKLOAD N URL KEY CLIENT_ID
REFRESH_TOKEN CATEGORY_ID`. Builds the app of whatever ticketd is on PYTHONPATH, makes
what the workload reads, then sends N identical requests, each checked for a 200."""

import asyncio
import json
import sys

from asgi_loop import Call, call_once, lifespan
from runner import SERIES_BODY, helpdesk_body


async def run(workload: str, n: int, url: str, key: str, client: str, token: str, cat: str) -> None:
    from ticketd.app import create_app
    from ticketd.settings import Settings

    app = create_app(Settings(database_url=url, rate_limit_per_second=10**9))
    async with lifespan(app) as state:
        series = [(b"apikey", key.encode()), (b"content-type", b"application/json")]
        form = f"grant_type=refresh_token&refresh_token={token}&client_id={client}".encode()
        form_type = [(b"content-type", b"application/x-www-form-urlencoded")]
        answer = await call_once(app, Call("POST", "/helpdesk/token", form_type, form), state)
        bearer = b"Bearer " + json.loads(answer.body)["access_token"].encode()
        helpdesk = [(b"authorization", bearer), (b"content-type", b"application/json")]
        create = {
            "series_create": Call("POST", "/tickets/create", series, SERIES_BODY),
            "helpdesk_create": Call("POST", "/helpdesk/tickets", helpdesk, helpdesk_body(int(cat))),
        }
        call = create.get(workload)
        if call is None:  # a get: of one ticket made for it
            made = await call_once(app, create[workload.replace("get", "create")], state)
            data = json.loads(made.body)["data"]
            path = f"/tickets/get/{data['TicketId']}" if workload == "series_get" else None
            call = Call(
                "GET", path or f"/helpdesk/tickets/{data}", series if path else helpdesk, b""
            )
        for _ in range(n):
            answer = await call_once(app, call, state)
            if answer.status != 200:
                raise SystemExit(f"{workload}: HTTP {answer.status} {answer.body[:200]!r}")


if __name__ == "__main__":
    workload, n, *rest = sys.argv[1:]
    asyncio.run(run(workload, int(n), *rest))
