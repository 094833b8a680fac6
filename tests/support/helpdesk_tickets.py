"""For the helpdesk ticket tests: creating, listing and editing tickets, and the ids of
the `hd` fixture's fields and categories (or ones it does not have)."""

from typing import Any

from tests.support.helpdesk import Helpdesk, ok, ticket_body

HUGE_ID = 99999999999999999999
TICKET_KEYS = {
    "id",
    "title",
    "message",
    "htmlMessage",
    "author",
    "category",
    "creationTime",
    "lastThreadElementCreationTime",
    "customFields",
    "lockedBy",
    "originalLink",
    "properties",
    "replyCount",
    "isMuted",
    "sentiment",
    "source",
    "detailedSource",
    "sourceName",
    "status",
    "tags",
    "attachments",
    "cc",
    "seriesTicketId",
    "gameReport",
}
USER_KEYS = {"customIdentifier", "email", "id", "image", "isBot", "name", "status"}


async def post_ticket(hd: Helpdesk, **overrides: Any) -> Any:
    return await hd.client.post("/helpdesk/tickets", json=ticket_body(hd, **overrides))


async def listed(hd: Helpdesk, body: Any = None) -> list[dict[str, Any]]:
    return ok(await hd.client.post("/helpdesk/tickets/list", json={} if body is None else body))


async def listed_ids(hd: Helpdesk, body: Any = None) -> list[int]:
    return [t["id"] for t in await listed(hd, body)]


async def count_tickets(hd: Helpdesk) -> int:
    return len(await listed(hd, {"take": 50}))


async def tags_of_workspace(hd: Helpdesk) -> list[str]:
    return ok(await hd.client.get("/helpdesk/tags"))


def field_id(hd: Helpdesk, name: str) -> int:
    return hd.fields[name]["id"]


def unknown_category_id(hd: Helpdesk) -> int:
    return max(hd.categories.values()) + 1000


def unknown_field_id(hd: Helpdesk) -> int:
    return max(f["id"] for f in hd.fields.values()) + 1000


def creator(email: str, name: str = "Someone") -> dict[str, Any]:
    return {"name": name, "email": email}


async def set_status(hd: Helpdesk, ticket_id: int, status: str) -> None:
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ticket_id}/status", json={"status": status}
    )
    assert ok(response) == {}
