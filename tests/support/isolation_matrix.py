"""The isolation matrix's parts (tests/test_isolation_matrix.py): one case, how it is
sent and checked (the expected answer, and none of the texts the caller may not see),
the expected answers, and the endpoints an app's routers hold."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.routing import BaseRoute, Mount, Route

from tests.support.helpdesk import assert_hd_error
from tests.support.isolation_world import THEIR_TEXT, World
from tests.support.series import assert_error
from ticketd.helpdesk.envelope import ERRORS

Expect = Callable[[httpx.Response], None]


@dataclass(frozen=True)
class Try:
    what: str
    method: str
    path: str
    expect: Expect
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    staff: bool = False  # sent by the browser of ours' staff member of one department
    hidden: tuple[str, ...] = tuple(THEIR_TEXT.values())  # never in the answer


async def run_try(w: World, t: Try) -> None:
    client = w.staff if t.staff else w.http
    body: dict[str, Any] = {"data": t.form} if t.form is not None else {}
    if t.json is not None:
        body = {"json": t.json}
    answer = await client.request(t.method, t.path, headers=t.headers, **body)
    try:
        t.expect(answer)
        leaked = [text for text in t.hidden if text in answer.text]
        assert not leaked, f"leaked {leaked}"
    except AssertionError as failed:
        raise AssertionError(f"{t.method} {t.path} ({t.what}): {failed}") from None


def series_refused(status: int, message: str) -> Expect:
    return lambda r: assert_error(r, status, message)


def hd_refused(error: str) -> Expect:
    code, status = ERRORS[error]

    def check(r: httpx.Response) -> None:
        assert_hd_error(r, status, code)

    return check


def answered(status: int, *texts: str) -> Expect:
    def check(r: httpx.Response) -> None:
        assert r.status_code == status, r.text
        assert all(t in r.text for t in texts), r.text

    return check


def sent_to_sign_in(r: httpx.Response) -> None:
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login?next="), r


def fill(template: str, **ids: Any) -> str:
    """The path with each `{name}` or `{name:conv}` of the template replaced."""
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids[m.group(1)]), template)


def endpoints(app: Any, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path template) of every route under `app`, through its mounts."""
    while not hasattr(app, "routes"):
        app = app.app
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        found |= _endpoints_of(route, prefix)
    return found


def _endpoints_of(route: BaseRoute, prefix: str) -> set[tuple[str, str]]:
    if isinstance(route, Mount):
        inner = route.app
        if hasattr(inner, "routes") or hasattr(inner, "app"):
            return endpoints(inner, prefix + route.path)
        return {("GET", f"{prefix}{route.path}/{{path}}")}
    assert isinstance(route, Route), route
    return {(m, prefix + route.path) for m in route.methods or () if m != "HEAD"}
