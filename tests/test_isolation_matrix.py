"""Every endpoint of both APIs, the dashboard, the authors' links and the probes, tried
with another workspace's ids in every form it accepts and with every kind of bad
credential: each answer is the documented refusal (status and envelope: docs/
series-api.md, docs/helpdesk-api.md, docs/dashboard.md), and no answer holds the other
workspace's text. The endpoints are read from the app's own routers: one without an
entry in MATRIX (or EXEMPT) fails the test."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support import isolation_world as iw
from tests.support.helpdesk import ok
from tests.support.isolation_matrix import (
    Expect,
    Try,
    answered,
    endpoints,
    fill,
    hd_refused,
    run_try,
    sent_to_sign_in,
    series_refused,
)
from tests.support.proof import tally
from tests.support.series import ticket_body
from ticketd.demo import DEMO_STAFF_ID

pytestmark = pytest.mark.anyio

Entry = Callable[[iw.World, str, str], list[Try]]
NO_KEY = "API key is required: send it in the apikey or x-api-key header"
STAFF = {"staffUserId": DEMO_STAFF_ID}


# --- Series -----------------------------------------------------------------------


def series(
    body: dict[str, Any] | None = None,
    by_ticket: bool = False,
    theirs: tuple[str, str, Expect] | None = None,
) -> Entry:
    """Bad keys; for an endpoint naming a ticket, their ticket in both its forms; with
    `theirs` (field, value, expected), the body's field set to their category's or
    department's key, on our ticket."""

    def tries(w: iw.World, method: str, template: str) -> list[Try]:
        path = fill(template, ticketId=w.ours.codes[0])
        invalid = series_refused(401, "Invalid API key")
        found = [
            Try("no API key", method, path, series_refused(401, NO_KEY), json=body),
            Try("garbage API key", method, path, invalid, {"apikey": "tk_x_y"}, body),
            Try("revoked API key", method, path, invalid, {"apikey": w.revoked_key}, body),
        ]
        refs = (("TicketId", w.theirs.codes[-1]), ("_id", w.theirs.object_ids[-1]))
        for form, ref in refs if by_ticket else ():
            refused = series_refused(404, "Ticket not found")
            found.append(Try(f"their {form}", method, fill(template, ticketId=ref), refused,
                             w.ours.key, body))  # fmt: skip
        if theirs is not None:
            name, value, expect = theirs
            found.append(Try(f"their {name}", method, path, expect, w.ours.key,
                             {**(body or {}), name: value}))  # fmt: skip
        return found

    return tries


def series_list(w: iw.World, method: str, template: str) -> list[Try]:
    own = Try("our key lists ours only", method, template, answered(200), w.ours.key)
    return [*series()(w, method, template), own]


def check_key(w: iw.World, method: str, template: str) -> list[Try]:
    inactive = answered(200, '"valid":false')
    return [
        Try("garbage key", method, fill(template, apiKey="tk_x_y"), inactive),
        Try("revoked key", method, fill(template, apiKey=w.revoked_key), inactive),
    ]


# --- helpdesk ---------------------------------------------------------------------


def hd(body: Any = None, **extra: Callable[[iw.World], list[Try]]) -> Entry:
    """Bad bearer tokens; their ticket's number where the path names a ticket; the
    endpoint's own cases (`extra`, by name)."""

    def tries(w: iw.World, method: str, template: str) -> list[Try]:
        ours = {"ticketId": 1, "noteId": 1, "fieldId": 1, "categoryId": 1}
        path = fill(template, **ours)
        found = [Try("no bearer token", method, path, hd_refused("unauthorized"), json=body)]
        bad = {**w.bad_tokens, "revoked client's": w.revoked_bearer}
        for kind, token in bad.items():
            auth = {"Authorization": f"Bearer {token}"}
            found.append(Try(f"{kind} token", method, path, hd_refused("invalid_token"), auth,
                             body))  # fmt: skip
        if "{ticketId" in template:
            theirs = fill(template, **{**ours, "ticketId": w.theirs.numbers["ticket"]})
            found.append(Try("their ticket's number", method, theirs,
                             hd_refused("ticket_not_found"), w.ours.bearer, body))  # fmt: skip
        for make in extra.values():
            found.extend(make(w))
        return found

    return tries


def hd_try(
    what: str, method: str, path: str, expect: Expect, body: Any = None
) -> Callable[[iw.World], list[Try]]:
    """One more case sent with our bearer token. `path` may hold `{ticket}`, `{reply}`,
    `{note}`, `{field}`, `{group}`, `{category}` (their numbers) and `{guid}` (their
    teammate); so may `body`, as the strings `$ticket`, `$guid`…"""

    def make(w: iw.World) -> list[Try]:
        values = {**w.theirs.numbers, "guid": w.theirs.teammate_guid}
        sent = _fill_values(body, values)
        return [Try(what, method, "/helpdesk" + path.format(**values), expect, w.ours.bearer,
                    sent)]  # fmt: skip

    return make


def _fill_values(body: Any, values: dict[str, Any]) -> Any:
    if isinstance(body, str) and body.startswith("$"):
        return values[body[1:]]
    if isinstance(body, dict):
        return {k: _fill_values(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill_values(v, values) for v in body]
    return body


def token_endpoint(w: iw.World, method: str, template: str) -> list[Try]:
    refused = hd_refused("invalid_grant")
    grants = {
        "garbage refresh token": ("rt_garbage", w.ours.client_id),
        "refresh token reused after revocation": w.revoked_client,
        "their refresh token with our client id": (w.theirs.refresh_token, w.ours.client_id),
    }
    return [
        Try(what, method, template, refused, form={
            "grant_type": "refresh_token", "refresh_token": token, "client_id": client})
        for what, (token, client) in grants.items()
    ]  # fmt: skip


def ignored(what: str) -> Expect:
    def check(r: httpx.Response) -> None:
        assert isinstance(ok(r), int) and what in r.headers["X-Ticketd-Ignored"], r.headers

    return check


def empty_list(r: httpx.Response) -> None:
    assert ok(r) == []


def ours_not_theirs(r: httpx.Response) -> None:
    assert ok(r)["title"] == "Ours visible subject"


AUTHOR = {"email": "ours-agent@example.com"}
NEW = {"title": "t", "message": "m", "creator": {"email": "c@example.com"}}
REPLY = {"message": "m", "author": AUTHOR}
CATEGORY_404 = hd_refused("category_not_found")
FIELD_404 = hd_refused("custom_field_not_found")
T = "/tickets/1"


# --- dashboard and authors' links -------------------------------------------------


def dashboard_page(w: iw.World, method: str, template: str) -> list[Try]:
    """Signed out: to sign-in. Signed in as staff of ours' support department: their
    tickets (by TicketId and _id) and ours' moderation ticket are 404."""
    signed_out = Try("signed-out browser", method, fill(template, code=w.ours.codes[0]),
                     sent_to_sign_in)  # fmt: skip
    if "{code}" not in template:
        shown = Try("staff of one department", method, template, answered(200), staff=True,
                    hidden=(*iw.THEIR_TEXT.values(), iw.HIDDEN_SUBJECT))  # fmt: skip
        return [signed_out, shown]
    return [signed_out, *_not_theirs(w, method, template)]


def _not_theirs(w: iw.World, method: str, template: str) -> list[Try]:
    refs = {"their TicketId": w.theirs.codes[-1], "their _id": w.theirs.object_ids[-1],
            "ours, of another department": w.ours.codes[1]}  # fmt: skip
    return [
        Try(what, method, fill(template, code=ref), answered(404, "Ticket not found"),
            staff=True, hidden=(*iw.THEIR_TEXT.values(), iw.HIDDEN_SUBJECT))
        for what, ref in refs.items()
    ]  # fmt: skip


ACTIONS = ("claim", "unclaim", "reply", "note", "status", "priority", "assign", "tags",
           "transfer")  # fmt: skip


def dashboard_action(w: iw.World, method: str, template: str) -> list[Try]:
    form = {"csrf": w.staff_csrf, "text": "x", "status": "resolved", "priority": "high",
            "tags": "x", "department": "moderation-dept"}  # fmt: skip
    same_site = {"Origin": iw.BASE}
    found = []
    for action in ACTIONS:
        path = template.replace("{action}", action)
        found.append(Try(f"signed-out {action}", method, fill(path, code=w.ours.codes[0]),
                         sent_to_sign_in, same_site, form=form))  # fmt: skip
        for t in _not_theirs(w, method, path):
            found.append(Try(f"{action} on {t.what}", method, t.path, t.expect, same_site,
                             form=form, staff=True, hidden=t.hidden))  # fmt: skip
    return [*found, *_their_names_on_ours(w, method, template, form)]


def _their_names_on_ours(
    w: iw.World, method: str, template: str, form: dict[str, str]
) -> list[Try]:
    """Their teammate as assignee, their department as destination, on our ticket that
    the staff member works: refused on the page (409), which names neither."""
    ours = w.ours.codes[0]
    named = {"assign": {"assignee": w.theirs.teammate_guid},
             "transfer": {"department": "theirs-only-dept"}}  # fmt: skip
    return [
        Try(f"{action} naming theirs", method, fill(template, code=ours, action=action),
            answered(409), {"Origin": iw.BASE}, form={**form, **fields}, staff=True)
        for action, fields in named.items()
    ]  # fmt: skip


def queue_state(w: iw.World, method: str, template: str) -> list[Try]:
    return [
        Try("signed-out browser", method, template, answered(401, '"signedIn":false')),
        Try("staff of one department", method, template, answered(200), staff=True),
    ]


def login_form(w: iw.World, method: str, template: str) -> list[Try]:
    return [Try("signed-out browser gets the form", method, template, answered(200, "Sign in"))]


def login(w: iw.World, method: str, template: str) -> list[Try]:
    form = {"login": str(iw.NARROW_STAFF), "password": iw.PASSWORD, "workspace": w.ours.ws.id}
    wrong = {**form, "password": "wrong password entirely"}
    return [
        Try("cross-site sign-in", method, template, answered(403), {"Origin": "https://x.example"},
            form=form),
        Try("wrong password", method, template, answered(401), form=wrong),
    ]  # fmt: skip


def logout(w: iw.World, method: str, template: str) -> list[Try]:
    def to_login(r: httpx.Response) -> None:
        assert r.status_code == 303 and r.headers["location"] == "/staff/login", r

    return [Try("signed-out browser", method, template, to_login, form={})]


def author_page(w: iw.World, method: str, template: str) -> list[Try]:
    gone = answered(404)
    return [
        Try("unknown token", method, fill(template, token="0" * 32), gone),
        Try("token of a workspace that does not share links", method,
            fill(template, token=w.ours.tokens[0]), gone),
    ]  # fmt: skip


def author_reply(w: iw.World, method: str, template: str) -> list[Try]:
    """Their links are shared (the token is the credential); a form of one of their
    tickets is no good on another."""
    found = author_page(w, method, template)
    other_form = Try("another ticket's form", method, fill(template, token=w.theirs.tokens[-1]),
                     answered(403, "This form has expired"), {"Sec-Fetch-Site": "same-origin"},
                     form={"text": "x", "csrf": w.author_csrf},
                     hidden=(iw.THEIR_TEXT["note"], f"{iw.THEIR_TEXT['subject']} 0"))  # fmt: skip
    return [*[Try(t.what, t.method, t.path, t.expect, form={"text": "x"}) for t in found],
            other_form]  # fmt: skip


def anonymous(w: iw.World, method: str, template: str) -> list[Try]:
    return [Try("no credentials", method, template, answered(200))]


# --- the matrix -------------------------------------------------------------------

TICKET = series(by_ticket=True)
MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/tickets/get/{ticketId}"): TICKET,
    ("POST", "/tickets/create"): series(
        ticket_body(),
        theirs=(
            "category",
            "theirs-only",
            series_refused(400, "Validation error: Category 'theirs-only' does not exist"),
        ),
    ),  # fmt: skip
    ("GET", "/tickets/list"): series_list,
    ("POST", "/tickets/create-game-report"): series(ticket_body()),
    ("GET", "/tickets/config"): series(),
    ("POST", "/tickets/{ticketId}/claim"): series(STAFF, by_ticket=True),
    ("POST", "/tickets/{ticketId}/unclaim"): series(STAFF, by_ticket=True),
    ("POST", "/tickets/{ticketId}/reply"): series({"content": "x", **STAFF}, by_ticket=True),
    ("POST", "/tickets/{ticketId}/reply-member"): series(
        {"content": "x", "authorUserId": 123456789}, by_ticket=True
    ),
    ("POST", "/tickets/{ticketId}/status"): series({"status": "resolved", **STAFF}, True),
    ("POST", "/tickets/{ticketId}/transfer"): series(
        {"departmentId": "moderation-dept", **STAFF},
        by_ticket=True,
        theirs=("departmentId", "theirs-only-dept", series_refused(404, "Department not found")),
    ),  # fmt: skip
    ("GET", "/basic/check-key/{apiKey}"): check_key,
    ("POST", "/helpdesk/token"): token_endpoint,
    ("POST", "/helpdesk/tickets"): hd(
        NEW,
        category=hd_try(
            "their category", "POST", "/tickets", CATEGORY_404, {**NEW, "categoryId": "$category"}
        ),
        field=hd_try(
            "their custom field",
            "POST",
            "/tickets",
            ignored("customFields.id="),
            {**NEW, "customFields": [{"id": "$field", "value": "x"}]},
        ),
        assignee=hd_try(
            "their teammate",
            "POST",
            "/tickets",
            ignored("assigneeId="),
            {**NEW, "assigneeId": "$guid"},
        ),
    ),  # fmt: skip
    ("POST", "/helpdesk/tickets/list"): hd(
        {},
        ticket=hd_try(
            "their ticket's number", "POST", "/tickets/list", empty_list, {"ticketIds": ["$ticket"]}
        ),
        category=hd_try(
            "their category", "POST", "/tickets/list", CATEGORY_404, {"categoryId": "$category"}
        ),
        field=hd_try(
            "their custom field",
            "POST",
            "/tickets/list",
            empty_list,
            {"customFields": [{"key": "$field", "value": "x"}]},
        ),
    ),  # fmt: skip
    ("GET", "/helpdesk/tickets/{ticketId:int}"): hd(
        shared=hd_try("a number both have: ours", "GET", T, ours_not_theirs)
    ),
    ("PATCH", "/helpdesk/tickets/{ticketId:int}/Assignee"): hd(
        {"assigneeId": None, "previousAssigneeId": None},
        guid=hd_try(
            "their teammate",
            "PATCH",
            f"{T}/Assignee",
            hd_refused("teammate_not_found"),
            {"assigneeId": "$guid", "previousAssigneeId": None},
        ),
    ),  # fmt: skip
    ("PATCH", "/helpdesk/tickets/{ticketId:int}/assignee"): hd(
        {"assigneeId": None, "previousAssigneeId": None}
    ),
    ("PATCH", "/helpdesk/tickets/{ticketId:int}/status"): hd({"status": "open"}),
    ("PUT", "/helpdesk/tickets/{ticketId:int}/status"): hd({"status": "open"}),
    ("PATCH", "/helpdesk/tickets/{ticketId:int}/category"): hd(
        {"categoryId": None},
        category=hd_try(
            "their category", "PATCH", f"{T}/category", CATEGORY_404, {"categoryId": "$category"}
        ),
    ),  # fmt: skip
    ("PUT", "/helpdesk/tickets/{ticketId:int}/category"): hd({"categoryId": None}),
    ("PUT", "/helpdesk/tickets/{ticketId:int}/tags"): hd(["x"]),
    ("PUT", "/helpdesk/tickets/{ticketId:int}/customFields/{fieldId:int}"): hd(
        {"value": "x"},
        field=hd_try(
            "their custom field", "PUT", T + "/customFields/{field}", FIELD_404, {"value": "x"}
        ),
    ),  # fmt: skip
    ("GET", "/helpdesk/tickets/{ticketId:int}/replies"): hd(),
    ("POST", "/helpdesk/tickets/{ticketId:int}/replies"): hd(
        REPLY,
        parent=hd_try(
            "their reply as parent",
            "POST",
            f"{T}/replies",
            hd_refused("reply_not_found"),
            {**REPLY, "parentReplyId": "$reply"},
        ),
    ),  # fmt: skip
    ("GET", "/helpdesk/tickets/{ticketId:int}/notes"): hd(),
    ("POST", "/helpdesk/tickets/{ticketId:int}/notes"): hd(
        REPLY,
        mention=hd_try(
            "their teammate mentioned",
            "POST",
            f"{T}/notes",
            hd_refused("validation_error"),
            {**REPLY, "mentionedUsers": ["$guid"]},
        ),
    ),  # fmt: skip
    ("PUT", "/helpdesk/tickets/{ticketId:int}/notes/{noteId:int}"): hd(
        {"message": "m"},
        note=hd_try(
            "their note", "PUT", T + "/notes/{note}", hd_refused("note_not_found"), {"message": "m"}
        ),
    ),  # fmt: skip
    ("DELETE", "/helpdesk/tickets/{ticketId:int}/notes/{noteId:int}"): hd(
        note=hd_try("their note", "DELETE", T + "/notes/{note}", hd_refused("note_not_found"))
    ),
    ("POST", "/helpdesk/tickets/{ticketId:int}/log"): hd({}),
    ("GET", "/helpdesk/Teammates"): hd(
        group=hd_try("their group", "GET", "/Teammates?group={group}", hd_refused("not_found"))
    ),  # fmt: skip
    ("GET", "/helpdesk/teammates"): hd(listed=hd_try("listed", "GET", "/teammates", answered(200))),
    ("GET", "/helpdesk/UserGroups"): hd(
        listed=hd_try("listed", "GET", "/UserGroups", answered(200))
    ),
    ("GET", "/helpdesk/categories"): hd(
        listed=hd_try("listed", "GET", "/categories", answered(200))
    ),
    ("GET", "/helpdesk/categories/{categoryId:int}"): hd(
        theirs=hd_try("their category", "GET", "/categories/{category}", CATEGORY_404)
    ),
    ("GET", "/helpdesk/categories/{categoryId:int}/subcategories"): hd(
        theirs=hd_try("their category", "GET", "/categories/{category}/subcategories", CATEGORY_404)
    ),  # fmt: skip
    ("GET", "/helpdesk/customFields"): hd(
        listed=hd_try("listed", "GET", "/customFields", answered(200))
    ),
    ("POST", "/helpdesk/customFields"): hd({"name": "n", "type": "text"}),
    ("GET", "/helpdesk/customFields/{fieldId:int}"): hd(
        theirs=hd_try("their custom field", "GET", "/customFields/{field}", FIELD_404)
    ),
    ("PUT", "/helpdesk/customFields/{fieldId:int}"): hd(
        {"name": "n2"},
        theirs=hd_try(
            "their custom field", "PUT", "/customFields/{field}", FIELD_404, {"name": "n2"}
        ),
    ),  # fmt: skip
    ("DELETE", "/helpdesk/customFields/{fieldId:int}"): hd(
        theirs=hd_try("their custom field", "DELETE", "/customFields/{field}", FIELD_404)
    ),
    ("GET", "/helpdesk/tags"): hd(listed=hd_try("listed", "GET", "/tags", answered(200))),
    ("GET", "/staff/"): dashboard_page,
    ("GET", "/staff/queue-state"): queue_state,
    ("GET", "/staff/stats"): dashboard_page,
    ("GET", "/staff/login"): login_form,
    ("POST", "/staff/login"): login,
    ("POST", "/staff/logout"): logout,
    ("GET", "/staff/tickets/{code}"): dashboard_page,
    ("GET", "/staff/tickets/{code}/transcript"): dashboard_page,
    ("POST", "/staff/tickets/{code}/{action}"): dashboard_action,
    ("GET", "/t/{token}"): author_page,
    ("POST", "/t/{token}/reply"): author_reply,
    ("GET", "/health"): anonymous,
    ("GET", "/healthz"): anonymous,
    ("GET", "/readyz"): anonymous,
    ("GET", "/metrics"): anonymous,
    ("GET", "/openapi.json"): anonymous,  # the published contracts: no workspace's data
    ("GET", "/helpdesk/openapi.json"): anonymous,
    ("GET", "/docs"): anonymous,
    ("GET", "/helpdesk/docs"): anonymous,
}
EXEMPT = {
    ("GET", "/staff/static/{path}"): "the dashboard's own CSS and scripts: no data",
    ("GET", "/docs/assets/{path}"): "Swagger UI's files from its package: no data",
    ("GET", "/helpdesk/docs/assets/{path}"): "the same files under the helpdesk prefix",
}


async def test_every_endpoint_refuses_other_workspaces_and_bad_credentials(
    database_url: str,
) -> None:
    async with iw.world(database_url) as w:
        assert endpoints(w.app) == set(MATRIX) | set(EXEMPT)
        checked = 0
        for (method, template), entry in MATRIX.items():
            for t in entry(w, method, template):
                await run_try(w, t)
                checked += 1
    tally("isolation and auth cases checked", checked)
