"""Helpdesk response shapes: the Ticket, User, Reply, Note, Category and Ticket Log
objects of the published reference, in camelCase."""

from typing import Any

from ticketd.kit.clock import iso_offset
from ticketd.kit.html import from_text
from ticketd.people.actors import display_name
from ticketd.people.model import Person
from ticketd.tickets.model import (
    Attachment,
    Message,
    MessageKind,
    Source,
    Status,
    Ticket,
    TicketDetails,
)
from ticketd.workspaces.config import Category, CustomField, Teammate, WorkspaceConfig

# The core keeps four statuses; the helpdesk shows three (docs/helpdesk-api.md).
STATUS_VIEW = {
    Status.OPEN: "open",
    Status.IN_PROGRESS: "pending",
    Status.RESOLVED: "completed",
    Status.CLOSED: "completed",
}
STATUS_FILTER = {
    "open": (Status.OPEN,),
    "pending": (Status.IN_PROGRESS,),
    "completed": (Status.RESOLVED, Status.CLOSED),
}
STATUS_SET = {"open": Status.OPEN, "pending": Status.IN_PROGRESS, "completed": Status.RESOLVED}
SOURCES = {
    "api": (Source.HELPDESK_API, Source.SERIES_API),
    "game": (Source.GAME_REPORT,),
    "api_helpdesk": (Source.HELPDESK_API,),
    "api_series": (Source.SERIES_API,),
    "game_report": (Source.GAME_REPORT,),
}


def _user(
    guid: str | None,
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


def person(p: Person) -> dict[str, Any]:
    return _user(p.guid, p.name, email=p.email, image=p.avatar_url, team=bool(p.role))


def teammate_user(teammate: Teammate) -> dict[str, Any]:
    return _user(
        teammate.guid, teammate.name, email=teammate.email, image=teammate.avatar_url, team=True
    )


def known_user(
    config: WorkspaceConfig,
    people: dict[str, Person],
    guid: str | None,
    user_id: int | None = None,
    fallback: str | None = None,
) -> dict[str, Any]:
    """Whoever `guid` names: a teammate, a stored person, someone known by Roblox user
    id, or (none of those) an integration acting through the API."""
    teammate = config.teammates.get(guid or "")
    if teammate is not None:
        return teammate_user(teammate)
    if guid in people:
        return person(people[guid])
    if user_id is not None:
        return _user(guid, display_name(config, user_id), team=config.is_staff(user_id, None))
    return _user(guid, fallback or "API", bot=True)


def category(config: WorkspaceConfig, c: Category) -> dict[str, Any]:
    return {
        "id": c.number,
        "name": c.name,
        "key": c.key,
        "parentId": c.parent_number,
        "parents": [{"id": p.number, "name": p.name} for p in config.category_path(c)],
    }


def attachments(files: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    return [{"isContentPart": False, "name": a.name, "url": a.url} for a in files]


def html_message(message: Message) -> str:
    inner = message.html if message.html is not None else from_text(message.text)
    return f'<div class="sb-html-message">{inner}</div>'


def _author(t: Ticket, details: TicketDetails) -> dict[str, Any]:
    found = details.people.get(t.author_guid)
    if found is not None:
        return person(found)
    name = t.author_display_name or t.author_username or f"User {t.author_user_id}"
    return _user(t.author_guid, name, image=t.author_avatar_url)


def ticket(t: Ticket, details: TicketDetails, config: WorkspaceConfig) -> dict[str, Any]:
    opening = details.openings.get(t.id)
    files = attachments(opening.attachments) if opening else []
    filed = config.categories.get(t.category_key or "")
    assignee = t.assignee_guid
    return {
        "id": t.number,
        "title": t.subject,
        "message": opening.text if opening else "",
        "htmlMessage": html_message(opening) if opening else "",
        "author": _author(t, details),
        "category": category(config, filed) if filed else None,
        "creationTime": iso_offset(t.created_at),
        "lastThreadElementCreationTime": iso_offset(t.last_thread_at),
        "customFields": [
            {"id": config.custom_fields[f.field_id].number, "value": f.value}
            for f in details.fields.get(t.id, [])
            if f.field_id in config.custom_fields
        ],
        "lockedBy": known_user(config, details.people, assignee, t.assignee_user_id)
        if assignee
        else None,
        "originalLink": None,
        "properties": {
            "isAnonymized": False,
            "isMuted": False,
            "hasAttachments": bool(files),
            "hasDraft": t.has_draft,
            "isAssignedToBot": False,
            "isDeleted": False,
            "isExpired": False,
            "isHidden": False,
            "isLocked": assignee is not None,
            "isSpam": False,
            "isSensitive": False,
        },
        "replyCount": t.reply_count,
        "isMuted": False,
        "sentiment": t.sentiment,
        "source": t.source.value.split("_", 1)[0],
        "detailedSource": t.source.value,
        "sourceName": t.source_name,
        "status": STATUS_VIEW[t.status],
        "tags": details.tags.get(t.id, []),
        "attachments": files,
        "cc": list(t.cc),
        "seriesTicketId": t.code,
        "gameReport": t.game_report,
    }


def reply(
    r: Message, t: Ticket, config: WorkspaceConfig, people: dict[str, Person]
) -> dict[str, Any]:
    by_team = r.kind is MessageKind.STAFF
    author = known_user(config, people, r.author_guid, r.author_user_id)
    creator = people.get(t.author_guid)
    return {
        "id": r.number,
        "ticketId": t.number,
        "message": r.text,
        "htmlMessage": html_message(r),
        "author": author,
        "attachments": attachments(r.attachments),
        "creationTime": iso_offset(r.created_at),
        "tags": [],
        "ccEmails": list(t.cc) if by_team else [],
        "toEmails": [creator.email] if by_team and creator and creator.email else [],
        "level": r.level,
        "parentReplyId": r.parent_number,
        "properties": {"isByTeam": by_team, "isDraft": r.is_draft, "isHidden": False},
    }


def note(n: Message, config: WorkspaceConfig, people: dict[str, Person]) -> dict[str, Any]:
    return {
        "id": n.number,
        "message": n.text,
        "htmlMessage": html_message(n) if n.html is not None else None,
        "attachments": attachments(n.attachments),
        "author": known_user(config, people, n.author_guid, n.author_user_id),
        "mentionedUsers": [known_user(config, people, guid) for guid in n.mentions],
        "creationTime": iso_offset(n.created_at),
        "updateTime": iso_offset(n.updated_at),
    }


def teammate(t: Teammate) -> dict[str, Any]:
    return {"id": t.guid, "name": t.name, "email": t.email, "role": t.role, "userId": t.user_id}


def custom_field(f: CustomField) -> dict[str, Any]:
    return {
        "id": f.number,
        "name": f.name,
        "type": f.type,
        "possibleValues": [{"value": o} for o in f.options],
    }
