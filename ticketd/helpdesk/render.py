"""Helpdesk response shapes: the Ticket, User, Reply, Note, Category and Ticket Log
objects of the published reference, in camelCase."""

from typing import Any

import orjson

from ticketd.db.database import Row
from ticketd.kit.clock import iso_offset
from ticketd.kit.html import from_text
from ticketd.tickets.queries import TicketPage
from ticketd.tickets.service import display_name
from ticketd.workspaces.config import Category, CustomField, Teammate, WorkspaceConfig

# The core keeps the Series statuses; the helpdesk shows three (docs/helpdesk-api.md).
STATUS_VIEW = {
    "open": "open",
    "in-progress": "pending",
    "resolved": "completed",
    "closed": "completed",
}
STATUS_FILTER = {
    "open": ("open",),
    "pending": ("in-progress",),
    "completed": ("resolved", "closed"),
}
STATUS_SET = {"open": "open", "pending": "in-progress", "completed": "resolved"}
SOURCES = {
    "api": ("api_helpdesk", "api_series"),
    "game": ("game_report",),
    "api_helpdesk": ("api_helpdesk",),
    "api_series": ("api_series",),
    "game_report": ("game_report",),
}


def _user(
    guid: str,
    name: str,
    *,
    email: str | None = None,
    image: str | None = None,
    team: bool = False,
    bot: bool = False,
) -> dict[str, Any]:
    return {
        "customIdentifier": None,
        "email": email,
        "id": guid,
        "image": image,
        "isBot": bot,
        "name": name,
        "status": "team" if team or bot else "client",
    }


def person(row: Row) -> dict[str, Any]:
    name = row["display_name"] or row["username"] or row["email"] or f"User {row['user_id']}"
    return _user(
        row["guid"], name, email=row["email"], image=row["avatar_url"], team=bool(row["role"])
    )


def teammate_user(teammate: Teammate) -> dict[str, Any]:
    return _user(
        teammate.guid, teammate.name, email=teammate.email, image=teammate.avatar_url, team=True
    )


def known_user(
    config: WorkspaceConfig,
    people: dict[str, Row],
    guid: str,
    user_id: int | None = None,
    fallback: str | None = None,
) -> dict[str, Any]:
    """Whoever `guid` names: a teammate, a stored person, a Series user by id, or (none
    of those) an integration acting through the API."""
    teammate = config.teammates.get(guid)
    if teammate is not None:
        return teammate_user(teammate)
    if guid in people:
        return person(people[guid])
    if user_id is not None:
        return _user(guid, display_name(config, user_id), team=config.is_staff(user_id, None))
    return _user(guid, fallback or "API", bot=True)


def category(config: WorkspaceConfig, c: Category) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "key": c.key,
        "parentId": c.parent_id,
        "parents": [{"id": p.id, "name": p.name} for p in config.category_path(c)],
    }


def attachments(raw: str | None) -> list[dict[str, Any]]:
    return [
        {"isContentPart": False, "name": a["name"], "url": a["url"]}
        for a in orjson.loads(raw or "[]")
    ]


def html_message(message: Row | dict[str, Any]) -> str:
    inner = message["html"] if message["html"] is not None else from_text(message["content"])
    return f'<div class="sb-html-message">{inner}</div>'


def _author(t: Row, page: TicketPage, config: WorkspaceConfig) -> dict[str, Any]:
    found = page.people.get(t["author_guid"])
    if found is not None:
        return person(found)
    name = t["author_display_name"] or t["author_username"] or f"User {t['author_user_id']}"
    return _user(t["author_guid"], name, image=t["author_avatar_url"])


def ticket(t: Row, page: TicketPage, config: WorkspaceConfig) -> dict[str, Any]:
    opening = page.openings.get(t["id"])
    files = attachments(opening["attachments"]) if opening else []
    filed = config.categories.get(t["category_key"] or "")
    assignee = t["assignee_guid"]
    source = t["detailed_source"]
    return {
        "id": t["id"],
        "title": t["subject"],
        "message": opening["content"] if opening else "",
        "htmlMessage": html_message(opening) if opening else "",
        "author": _author(t, page, config),
        "category": category(config, filed) if filed else None,
        "creationTime": iso_offset(t["created_at"]),
        "lastThreadElementCreationTime": iso_offset(t["last_thread_at"]),
        "customFields": page.fields.get(t["id"], []),
        "lockedBy": known_user(config, page.people, assignee, t["claimed_by"])
        if assignee
        else None,
        "originalLink": None,
        "properties": {
            "isAnonymized": False,
            "isMuted": False,
            "hasAttachments": bool(files),
            "hasDraft": bool(t["has_draft"]),
            "isAssignedToBot": False,
            "isDeleted": False,
            "isExpired": False,
            "isHidden": False,
            "isLocked": assignee is not None,
            "isSpam": False,
            "isSensitive": False,
        },
        "replyCount": t["reply_count"],
        "isMuted": False,
        "sentiment": t["sentiment"],
        "source": source.split("_", 1)[0],
        "detailedSource": source,
        "sourceName": t["source_name"],
        "status": STATUS_VIEW[t["status"]],
        "tags": page.tags.get(t["id"], []),
        "attachments": files,
        "cc": orjson.loads(t["cc"] or "[]"),
        "seriesTicketId": t["code"],
        "gameReport": bool(t["game_report"]),
    }


def reply(
    r: Row | dict[str, Any], t: Row, config: WorkspaceConfig, people: dict[str, Row]
) -> dict[str, Any]:
    by_team = r["type"] == "staff_message"
    author = known_user(config, people, r["author_guid"], r["author_user_id"])
    creator = people.get(t["author_guid"])
    return {
        "id": r["id"],
        "ticketId": t["id"],
        "message": r["content"],
        "htmlMessage": html_message(r),
        "author": author,
        "attachments": attachments(r["attachments"]),
        "creationTime": iso_offset(r["created_at"]),
        "tags": [],
        "ccEmails": orjson.loads(t["cc"] or "[]") if by_team else [],
        "toEmails": [creator["email"]] if by_team and creator and creator["email"] else [],
        "level": r["level"],
        "parentReplyId": r["parent_id"],
        "properties": {"isByTeam": by_team, "isDraft": bool(r["is_draft"]), "isHidden": False},
    }


def note(n: Row, config: WorkspaceConfig, people: dict[str, Row]) -> dict[str, Any]:
    return {
        "id": n["id"],
        "message": n["content"],
        "htmlMessage": html_message(n) if n["html"] is not None else None,
        "attachments": attachments(n["attachments"]),
        "author": known_user(config, people, n["author_guid"], n["author_user_id"]),
        "mentionedUsers": [
            known_user(config, people, guid) for guid in orjson.loads(n["mentions"] or "[]")
        ],
        "creationTime": iso_offset(n["created_at"]),
        "updateTime": iso_offset(n["updated_at"]),
    }


def teammate(t: Teammate) -> dict[str, Any]:
    return {"id": t.guid, "name": t.name, "email": t.email, "role": t.role, "userId": t.user_id}


def custom_field(f: CustomField) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "type": f.type,
        "possibleValues": [{"value": o} for o in f.options],
    }
