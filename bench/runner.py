"""One side, one engine, one round: `python bench/runner.py SPEC.json OUT.json`.

Runs in its own process with PYTHONPATH=<that side's source dir>. It imports ticketd
from there (and proves it did), builds the app with `create_app(Settings(...))`, runs
its lifespan, and times each workload by awaiting the ASGI app directly."""

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from asgi_loop import Answer, ASGIApp, Call, Timed, call_once, drive, floor_app, lifespan

# The README's Series create body, unchanged.
SERIES_BODY = json.dumps(
    {
        "subject": "Help with ranking",
        "category": "support",
        "message": "I need help getting ranked in the group",
        "priority": "medium",
        "authorUserId": 123456789,
        "authorUsername": "player123",
        "authorDisplayName": "Player Name",
        "authorAvatarUrl": "https://tr.rbxcdn.com/avatar-url",
    }
).encode()

JSON = (b"content-type", b"application/json")


def helpdesk_body(category_id: int) -> bytes:
    """The README's helpdesk create body, in the category the setup added."""
    return json.dumps(
        {
            "title": "New car price list.",
            "categoryId": category_id,
            "message": "How can I get a price list?",
            "creator": {"name": "Bill Smith", "email": "bill_smith@gmail.com"},
            "sentiment": "question",
        }
    ).encode()


@dataclass
class Context:
    app: ASGIApp
    state: dict[str, Any]
    spec: dict[str, Any]
    bearer: bytes = b""
    series_ids: list[str] = field(default_factory=list)
    helpdesk_ids: list[int] = field(default_factory=list)

    @property
    def series_auth(self) -> tuple[bytes, bytes]:
        return (b"apikey", self.spec["series_key"].encode())

    @property
    def helpdesk_auth(self) -> tuple[bytes, bytes]:
        return (b"authorization", b"Bearer " + self.bearer)


class Failed(Exception):
    """An answer that is not a success (status or envelope)."""


def require_200(answer: Answer) -> None:
    if answer.error is not None:
        raise Failed(f"HTTP {answer.status}, the app raised {answer.error}")
    if answer.status != 200:
        raise Failed(f"HTTP {answer.status}: {answer.body[:300]!r}")


def series_data(answer: Answer) -> Any:
    require_200(answer)
    envelope = json.loads(answer.body)
    if envelope.get("success") is not True:
        raise Failed(f"success is not true: {answer.body[:300]!r}")
    return envelope["data"]


def helpdesk_data(answer: Answer) -> Any:
    require_200(answer)
    envelope = json.loads(answer.body)
    if envelope.get("errorCode") != -1:
        raise Failed(f"errorCode is not -1: {answer.body[:300]!r}")
    return envelope["data"]


def series_create(ctx: Context, n: int) -> list[Call]:
    headers = (ctx.series_auth, JSON)
    return [Call("POST", "/tickets/create", headers, SERIES_BODY)] * n


def health(ctx: Context, n: int) -> list[Call]:
    return [Call("GET", "/health")] * n


def series_get(ctx: Context, n: int) -> list[Call]:
    headers = (ctx.series_auth,)
    return [Call("GET", f"/tickets/get/{i}", headers) for i in islice(cycle(ctx.series_ids), n)]


def helpdesk_create(ctx: Context, n: int) -> list[Call]:
    body = helpdesk_body(ctx.spec["helpdesk_category_id"])
    return [Call("POST", "/helpdesk/tickets", (ctx.helpdesk_auth, JSON), body)] * n


def helpdesk_get(ctx: Context, n: int) -> list[Call]:
    headers = (ctx.helpdesk_auth,)
    ids = islice(cycle(ctx.helpdesk_ids), n)
    return [Call("GET", f"/helpdesk/tickets/{i}", headers) for i in ids]


def keep_series_id(ctx: Context, data: Any) -> None:
    ctx.series_ids.append(data["TicketId"])


def keep_helpdesk_id(ctx: Context, data: Any) -> None:
    ctx.helpdesk_ids.append(int(data))


def ignore(ctx: Context, data: Any) -> None:
    return None


@dataclass(frozen=True)
class Workload:
    calls: Callable[[Context, int], list[Call]]
    data: Callable[[Answer], Any]
    keep: Callable[[Context, Any], None]
    needs: str | None = None  # the create workload whose tickets it reads


WORKLOADS = {
    "health": Workload(health, series_data, ignore),
    "series_create": Workload(series_create, series_data, keep_series_id),
    "series_get": Workload(series_get, series_data, ignore, "series_create"),
    "helpdesk_create": Workload(helpdesk_create, helpdesk_data, keep_helpdesk_id),
    "helpdesk_get": Workload(helpdesk_get, helpdesk_data, ignore, "helpdesk_create"),
}


def check(ctx: Context, workload: Workload, answers: list[Answer]) -> tuple[int, str | None]:
    """(failures, the first failure's description); keeps created ids."""
    failures, first = 0, None
    for answer in answers:
        try:
            workload.keep(ctx, workload.data(answer))
        except (Failed, ValueError, KeyError, TypeError) as error:
            failures += 1
            first = first or str(error)
    return failures, first


def created(ctx: Context, create: str) -> list[Any]:
    return list(ctx.series_ids if create == "series_create" else ctx.helpdesk_ids)


async def run_calls(ctx: Context, workload: Workload, n: int) -> tuple[Timed, int, str | None]:
    timed = await drive(ctx.app, workload.calls(ctx, n), ctx.state, ctx.spec["concurrency"])
    failures, first = check(ctx, workload, timed.answers)
    return timed, failures, first


def rates(timed: Timed, n: int, failures: int) -> dict[str, Any]:
    """Requests/s by wall clock and by this process's CPU time; none if anything failed."""
    ok = failures == 0
    return {
        "requests": n,
        "seconds": timed.seconds,
        "cpu_seconds": timed.cpu_seconds,
        "rps": n / timed.seconds if ok else None,
        "cpu_rps": n / timed.cpu_seconds if ok and timed.cpu_seconds > 0 else None,
    }


async def measure(ctx: Context, name: str) -> dict[str, Any]:
    workload, n = WORKLOADS[name], ctx.spec["requests"]
    setup_failures, setup_first = 0, None
    if workload.needs and not created(ctx, workload.needs):
        # untimed: tickets to read
        _, setup_failures, setup_first = await run_calls(ctx, WORKLOADS[workload.needs], n)
        if not created(ctx, workload.needs):
            raise SystemExit(f"{name}: no ticket could be created to read: {setup_first}")
    _, warm_failures, warm_first = await run_calls(ctx, workload, ctx.spec["warmup"])
    warm_failures += setup_failures
    warm_first = setup_first or warm_first
    timed, failures, first = await run_calls(ctx, workload, n)
    return rates(timed, n, failures + warm_failures) | {
        "failures": failures,
        "warmup_failures": warm_failures,
        "first_failure": warm_first or first,
    }


async def measure_floor(n: int, concurrency: int) -> dict[str, Any]:
    await drive(floor_app, [Call("GET", "/health")] * min(n, 1000), {}, concurrency)
    timed = await drive(floor_app, [Call("GET", "/health")] * n, {}, concurrency)
    failures = sum(1 for a in timed.answers if a.status != 200 or a.error)
    return rates(timed, n, failures) | {"failures": failures}


async def helpdesk_token(ctx: Context) -> bytes:
    form = "grant_type=refresh_token&refresh_token={}&client_id={}".format(
        ctx.spec["refresh_token"], ctx.spec["client_id"]
    )
    headers = ((b"content-type", b"application/x-www-form-urlencoded"),)
    answer = await call_once(ctx.app, Call("POST", "/helpdesk/token", headers, form.encode()), {})
    if answer.status != 200 or answer.error:
        raise Failed(f"token exchange: HTTP {answer.status}: {answer.error or answer.body!r}")
    return str(json.loads(answer.body)["access_token"]).encode()


def build_app(spec: dict[str, Any]) -> ASGIApp:
    from ticketd.app import create_app
    from ticketd.settings import Settings

    settings = Settings(database_url=spec["database_url"], rate_limit_per_second=spec["rate_limit"])
    return create_app(settings)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    floor = await measure_floor(spec["floor_requests"], spec["concurrency"])
    results: dict[str, Any] = {"floor": floor}
    app = build_app(spec)
    async with lifespan(app) as state:
        ctx = Context(app, state, spec)
        if any(name.startswith("helpdesk") for name in spec["workloads"]):
            ctx.bearer = await helpdesk_token(ctx)
        for name in spec["workloads"]:
            results[name] = await measure(ctx, name)
    return results


def module_files(module: Any) -> list[str]:
    file = getattr(module, "__file__", None)
    return [file] if file else list(getattr(module, "__path__", []))


def provenance(src: Path) -> dict[str, Any]:
    """Where every loaded ticketd module came from: all must be under `src`."""
    import ticketd

    files = [
        f
        for name, module in sorted(sys.modules.items())
        if name == "ticketd" or name.startswith("ticketd.")
        for f in module_files(module)
    ]
    outside = [f for f in files if not Path(f).resolve().is_relative_to(src)]
    return {
        "ticketd_file": ticketd.__file__,
        "ticketd_files": len(files),
        "outside_src": outside,
        "python": sys.version.split()[0],
        "executable": sys.executable,
    }


def event_loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    src = Path(spec["src"]).resolve()
    sys.path.insert(0, str(src))  # ahead of anything an editable install may add
    import ticketd

    if not Path(str(ticketd.__file__)).resolve().is_relative_to(src):
        raise SystemExit(f"ticketd imported from {ticketd.__file__}, not from {src}")
    with asyncio.Runner(loop_factory=event_loop_factory(spec["loop"])) as runner:
        results = runner.run(run(spec))
    output = {"results": results, "provenance": provenance(src), "loop": spec["loop"]}
    Path(sys.argv[2]).write_text(json.dumps(output))


if __name__ == "__main__":
    main()
