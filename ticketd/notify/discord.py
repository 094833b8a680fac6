"""Discord: a notice as the body of an "execute webhook" request, and what Discord's
answer means for the delivery. Pure functions; the worker does the sending.

Colours: by priority, low grey 0x95A5A6, medium blue 0x3498DB, high orange 0xE67E22,
urgent red 0xE74C3C; every event of a game report is purple 0x9B59B6, a colour no
priority has, and its creation title starts with "🎮 Game report: ".

Markdown is escaped where Discord renders it (title, field values, the description of
changes); author name and footer are shown as plain text by Discord, so they are not.
Message excerpts keep their text as written, links included."""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson

from ticketd.notify.discord_fields import fields, is_game_report, name_of, status_label
from ticketd.notify.discord_text import ELLIPSIS, clean, cut, shown, units
from ticketd.notify.model import Notice, Outcome, ticket_url, truncated
from ticketd.tickets import author_link, events
from ticketd.tickets.events import EventType
from ticketd.tickets.model import OPEN_STATUSES

TITLE, DESCRIPTION, AUTHOR_NAME, EMBED_TOTAL = 256, 4096, 256, 6000
# Discord allows a footer of 2,048; ours is a ticket code, kept to 256 so that the rest of
# an embed stays under EMBED_TOTAL: title, author and footer 3 × 256; at most four long
# field values 4 × 1,024 (category, department, server, and the assignee, tags or custom
# field an event changed) and one long field name (that custom field's) 256; the other
# names and values are short (the author's link is the base URL and 35 characters).
# Shortening the description then always suffices.
FOOTER = 256
COLOURS = {"low": 0x95A5A6, "medium": 0x3498DB, "high": 0xE67E22, "urgent": 0xE74C3C}
GAME_REPORT_COLOUR = 0x9B59B6
PREFIXES = {
    EventType.TICKET_CREATED: "",
    EventType.GAME_REPORT_CREATED: "🎮 Game report: ",
    EventType.CLAIMED: "Claimed: ",
    EventType.UNCLAIMED: "Unclaimed: ",
    EventType.ASSIGNED: "Assigned: ",
    EventType.UNASSIGNED: "Unassigned: ",
    EventType.TRANSFERRED: "Transferred: ",
    EventType.PRIORITY_CHANGED: "Priority changed: ",
    EventType.CATEGORY_CHANGED: "Category changed: ",
    EventType.TAGS_CHANGED: "Tags changed: ",
    EventType.FIELD_VALUE_CHANGED: "Field changed: ",
    EventType.STAFF_REPLIED: "Staff replied: ",
    EventType.AUTHOR_REPLIED: "Author replied: ",
    EventType.REPLY_DRAFTED: "Reply drafted: ",
    EventType.NOTE_ADDED: "Note added: ",
    EventType.NOTE_UPDATED: "Note updated: ",
    EventType.NOTE_DELETED: "Note deleted: ",
}
CREATIONS = (EventType.TICKET_CREATED, EventType.GAME_REPORT_CREATED)
MESSAGE_EVENTS = (
    EventType.STAFF_REPLIED,
    EventType.AUTHOR_REPLIED,
    EventType.REPLY_DRAFTED,
    EventType.NOTE_ADDED,
    EventType.NOTE_UPDATED,
    EventType.NOTE_DELETED,
)
_PINGS = (
    (re.compile(r"(\d{1,25})"), "roles"),  # the configuration file's form: a role id
    (re.compile(r"<@&(\d{1,25})>"), "roles"),
    (re.compile(r"<@!?(\d{1,25})>"), "users"),
)
_DISABLING = (401, 403, 404)  # a deleted webhook or a wrong token: no retry can help


def message(notice: Notice, *, ping: str | None, base_url: str | None) -> dict[str, Any]:
    """The execute-webhook body: one embed, and `content` pinging only `ping` (a role id,
    `<@&role>`, `<@user>` or `<@!user>`; anything else pings no one)."""
    mention = _mention(ping)
    body: dict[str, Any] = {"embeds": [_embed(notice, base_url)]}
    if mention is None:
        body["allowed_mentions"] = {"parse": []}
        return body
    kind, snowflake = mention
    body["content"] = f"<@&{snowflake}>" if kind == "roles" else f"<@{snowflake}>"
    body["allowed_mentions"] = {"parse": [], kind: [snowflake]}
    return body


def _mention(ping: str | None) -> tuple[str, str] | None:
    for pattern, kind in _PINGS:
        found = pattern.fullmatch((ping or "").strip())
        if found:
            return kind, found.group(1)
    return None


def _embed(notice: Notice, base_url: str | None) -> dict[str, Any]:
    ticket = notice.ticket
    embed: dict[str, Any] = {
        "title": cut(_title(notice), TITLE),
        "color": GAME_REPORT_COLOUR if is_game_report(notice) else _colour(ticket.priority),
        "fields": fields(notice, author_link.url(base_url, notice.config, ticket)),
        "footer": {"text": cut(clean(ticket.code), FOOTER)},
        "timestamp": _iso(notice.event.created_at),
    }
    url = ticket_url(base_url, ticket)
    if url:
        embed["url"] = url
    author = _author(notice)
    if author:
        embed["author"] = author
    description = _description(notice)
    if description:
        embed["description"] = description
    return _within_total(embed)


def _colour(priority: str) -> int:
    return COLOURS.get(priority, COLOURS["medium"])


def _iso(milliseconds: int) -> str:
    moment = datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds")


def _title(notice: Notice) -> str:
    subject = shown(notice.ticket.subject) or "(no subject)"
    payload = notice.event.payload
    if isinstance(payload, events.StatusChanged):
        return f"{_status_title(payload)}: {subject}"
    return PREFIXES.get(notice.event.type, "") + subject


def _status_title(change: events.StatusChanged) -> str:
    reopened = change.status in OPEN_STATUSES and change.previous_status not in OPEN_STATUSES
    return "Reopened" if reopened else status_label(change.status)


def _author(notice: Notice) -> dict[str, str] | None:
    if notice.event.type in MESSAGE_EVENTS:
        name, avatar = _writer(notice)
    else:
        name, avatar = _ticket_author(notice)
    name = cut(clean(name).strip(), AUTHOR_NAME)
    if not name:
        return None
    author = {"name": name}
    if avatar and avatar.startswith(("http://", "https://")):
        author["icon_url"] = avatar
    return author


def _ticket_author(notice: Notice) -> tuple[str, str | None]:
    ticket = notice.ticket
    person = notice.people.get(ticket.author_guid)
    display, username = ticket.author_display_name, ticket.author_username
    if display and username and display != username:
        name = f"{display} (@{username})"
    else:
        name = display or username or (person.name if person else _someone(ticket.author_user_id))
    return name, ticket.author_avatar_url or (person.avatar_url if person else None)


def _someone(user_id: int | None) -> str:
    return f"User {user_id}" if user_id is not None else "Unknown author"


def _writer(notice: Notice) -> tuple[str, str | None]:
    """Who wrote the reply or note: the message's author, else the event's actor."""
    message = notice.message
    guid = (message.author_guid if message else None) or notice.event.actor_guid
    if guid == notice.ticket.author_guid:
        return _ticket_author(notice)
    person = notice.people.get(guid or "")
    if person:
        return person.name, person.avatar_url
    return name_of(notice, guid) or notice.event.actor_name or "Someone", None


def _description(notice: Notice) -> str | None:
    kind = notice.event.type
    if kind in CREATIONS:
        text = _opening_text(notice)
    elif kind in MESSAGE_EVENTS and notice.message:
        text = notice.message.text
    else:
        text = shown(_sentence(notice))
    text = clean(text or "").strip()
    return cut(text, DESCRIPTION) if text else None


def _opening_text(notice: Notice) -> str | None:
    opening = notice.details.openings.get(notice.ticket.id)
    if opening is None and notice.messages:
        opening = notice.messages[0]
    return opening.text if opening else None


def _sentence(notice: Notice) -> str:
    event = notice.event
    who = name_of(notice, event.actor_guid) or event.actor_name or "Someone"
    person = partial(_name_or_someone, notice)
    return events.sentence(event, notice.config, who=who, person=person, status=status_label)


def _name_or_someone(notice: Notice, guid: str) -> str:
    return name_of(notice, guid) or "someone"


def _within_total(embed: dict[str, Any]) -> dict[str, Any]:
    """Shortens the description until all the embed's text fits EMBED_TOTAL."""
    excess = _total_units(embed) - EMBED_TOTAL
    description = embed.get("description")
    if excess <= 0 or description is None:
        return embed
    keep = units(description) - excess
    if keep > units(ELLIPSIS):
        embed["description"] = cut(description, keep)
    else:
        del embed["description"]
    return embed


def _total_units(embed: dict[str, Any]) -> int:
    texts = [embed.get("title", ""), embed.get("description", "")]
    texts += [embed["footer"]["text"], embed.get("author", {}).get("name", "")]
    texts += [f["name"] + f["value"] for f in embed["fields"]]
    return sum(units(text) for text in texts)


def outcome(status: int, headers: Mapping[str, str], body: str) -> Outcome:
    """What Discord's answer to one execute-webhook request means for the delivery."""
    lowered = {key.lower(): value for key, value in headers.items()}
    bucket_wait = _bucket_wait(lowered)
    response = truncated(body)
    if 200 <= status < 300:
        return Outcome(delivered=True, status=status, response=response, wait=bucket_wait)
    reason = f"Discord answered {status}: {_message_of(body) or body.strip() or 'no body'}"
    error = truncated(reason)
    failed = partial(Outcome, delivered=False, status=status, response=response, error=error)
    if status == 429:
        return failed(wait=_retry_after(lowered, body) or bucket_wait)
    if status in _DISABLING:
        return failed(wait=bucket_wait, permanent=True, disable_reason=error)
    # Any other 4xx refused this payload (the body says why); 5xx and the rest may pass later.
    return failed(wait=bucket_wait, permanent=400 <= status < 500)


def _bucket_wait(headers: Mapping[str, str]) -> float | None:
    """After the last request a rate-limit bucket allows, the wait until it refills."""
    if headers.get("x-ratelimit-remaining", "").strip() != "0":
        return None
    return _seconds(headers.get("x-ratelimit-reset-after"))


def _retry_after(headers: Mapping[str, str], body: str) -> float | None:
    parsed = _json(body)
    given = parsed.get("retry_after") if parsed else None
    from_body = _seconds(str(given)) if isinstance(given, int | float) else None
    return from_body or _seconds(headers.get("retry-after"))


def _message_of(body: str) -> str | None:
    parsed = _json(body)
    text = parsed.get("message") if parsed else None
    return text if isinstance(text, str) and text.strip() else None


def _json(body: str) -> dict[str, Any] | None:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _seconds(text: str | None) -> float | None:
    try:
        seconds = float(text or "")
    except ValueError:
        return None
    return seconds if 0 < seconds < float("inf") else None
