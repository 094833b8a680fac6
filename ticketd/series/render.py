"""Series response shapes, field for field as the seeds show them."""

from typing import Any

from ticketd.kit.clock import iso
from ticketd.tickets.model import Message, Ticket
from ticketd.workspaces.config import WorkspaceConfig


def author(t: Ticket) -> dict[str, Any]:
    return {
        "UserId": t.author_user_id,
        "Username": t.author_username,
        "DisplayName": t.author_display_name,
        "AvatarUrl": t.author_avatar_url,
    }


def game_data(t: Ticket) -> dict[str, Any]:
    return {"PlaceId": t.place_id, "ServerId": t.server_id}


def created(t: Ticket) -> dict[str, Any]:
    """The body of `POST /tickets/create` and `/tickets/create-game-report`."""
    data: dict[str, Any] = {
        "TicketId": t.code,
        "_id": t.object_id,
        "WorkspaceId": t.workspace_id,
        "Subject": t.subject,
        "Category": t.category_key,
        "Department": t.department_key,
        "Status": t.status.value,
        "Priority": t.priority,
        "Author": author(t),
    }
    if t.game_report:
        data["GameReport"] = True
        data["GameData"] = game_data(t)
    data["CreatedAt"] = iso(t.created_at)
    data["UpdatedAt"] = iso(t.updated_at)
    return data


def claimed_by_user(config: WorkspaceConfig, t: Ticket) -> dict[str, Any] | None:
    """The claimer; a teammate without a Roblox id shows with UserId null."""
    user_id = t.assignee_user_id
    if user_id is None:
        teammate = config.teammates.get(t.assignee_guid or "")
        if teammate is None:
            return None
        return {"UserId": None, "DisplayName": teammate.name, "Username": None}
    member = config.members.get(user_id)
    teammate = config.teammates_by_user_id.get(user_id)
    return {
        "UserId": user_id,
        "DisplayName": member.display_name if member else teammate.name if teammate else None,
        "Username": member.username if member else None,
    }


def _common(t: Ticket) -> dict[str, Any]:
    return {
        "_id": t.object_id,
        "TicketId": t.code,
        "Subject": t.subject,
        "Category": t.category_key,
        "Department": t.department_key,
        "Status": t.status.value,
        "Priority": t.priority,
        "Author": author(t),
    }


def _tail(data: dict[str, Any], t: Ticket) -> dict[str, Any]:
    data["GameReport"] = t.game_report
    if t.game_report:
        data["GameData"] = game_data(t)
    data["CreatedAt"] = iso(t.created_at)
    data["UpdatedAt"] = iso(t.updated_at)
    return data


def full(
    t: Ticket, messages: list[Message], config: WorkspaceConfig, public_url: str | None = None
) -> dict[str, Any]:
    """The `Ticket` of `GET /tickets/get/{ticketId}`; `Content` is keyed by message id
    in time order. `PublicUrl` (the author's link) is our extension, present only while
    the workspace shares such links."""
    data = _common(t)
    data["Content"] = {
        m.key: {
            "Content": m.text,
            "Author": m.author_user_id,
            "Type": m.kind.value,
            "Timestamp": iso(m.created_at),
        }
        for m in messages
    }
    data["ClaimedBy"] = t.assignee_user_id
    data["ClaimedByUser"] = claimed_by_user(config, t)
    _tail(data, t)
    if public_url is not None:
        data["PublicUrl"] = public_url
    return data


def summary(t: Ticket, config: WorkspaceConfig) -> dict[str, Any]:
    """A row of `GET /tickets/list`: no `Content`, plus `ClaimedByName`."""
    data = _common(t)
    data["ClaimedBy"] = t.assignee_user_id
    user = claimed_by_user(config, t)
    data["ClaimedByName"] = (user["DisplayName"] or user["Username"]) if user else None
    return _tail(data, t)


def pagination(page: int, total: int, per_page: int) -> dict[str, Any]:
    pages = (total + per_page - 1) // per_page
    return {
        "CurrentPage": page,
        "TotalPages": pages,
        "TotalCount": total,
        "TicketsPerPage": per_page,
        "HasNextPage": page < pages,
        "HasPreviousPage": page > 1,
    }
