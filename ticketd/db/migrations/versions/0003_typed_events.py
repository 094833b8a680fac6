"""typed events: one type name and one payload shape per kind of change; per-destination
delivery rows replace the single `dispatched_at` flag

Revision ID: 0003
Revises: 0002
"""

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BATCH = 1000


def user_guid(workspace_id: str, user_id: int) -> str:
    # Frozen copy of ticketd.kit.ids.user_guid (see 0002).
    return str(uuid.uuid5(uuid.UUID(workspace_id), f"roblox:{user_id}"))


def upgrade() -> None:
    _rewrite_events()
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_undispatched")
        batch.drop_column("dispatched_at")
    _deliveries()


class Old:
    """One stored event as 0002 and earlier wrote it."""

    def __init__(self, row: Any) -> None:
        self.id, self.workspace_id, self.type = row.id, row.workspace_id, row.type
        self.actor_guid, self.actor_user_id = row.actor_guid, row.actor_user_id
        self.detail: dict[str, Any] = json.loads(row.detail or "{}")

    def guid(self, value: Any) -> str | None:
        """A GUID, or a Roblox user id (claims before 0002) as its GUID."""
        if isinstance(value, int):
            return user_guid(self.workspace_id, value)
        return None if value is None else str(value)

    def actor(self) -> str | None:
        if self.actor_guid:
            return str(self.actor_guid)
        return self.guid(self.actor_user_id) if self.actor_user_id else None


def _assignment(e: Old) -> tuple[str, dict[str, Any]]:
    d = e.detail
    if "previous" not in d:  # a claim: the actor took the ticket
        return "ticket.claimed", {"assignee_guid": d.get("assignee") or e.actor()}
    return "ticket.assigned", {
        "assignee_guid": d["assignee"],
        "previous_assignee_guid": d["previous"],
    }


def _reply(e: Old) -> tuple[str, dict[str, Any]]:
    if e.type == "reply_drafted" or e.detail.get("draft"):
        return "reply.drafted", {"reply_id": e.detail.get("replyId")}
    by = "reply.by_staff" if e.detail.get("by") == "staff" else "reply.by_author"
    return by, {"reply_id": e.detail.get("replyId")}  # None before 0002 kept reply ids


REWRITES: dict[str, Callable[[Old], tuple[str, dict[str, Any]]]] = {
    "ticket_created": lambda e: (
        "ticket.game_report_created" if e.detail.get("gameReport") else "ticket.created",
        {"priority": e.detail.get("priority", "medium")},
    ),
    "ticket_claimed": _assignment,
    "ticket_assigned_to_user": _assignment,
    "ticket_unclaimed": lambda e: (
        "ticket.unclaimed",
        {"previous_assignee_guid": e.guid(e.detail.get("previous")) or e.actor()},
    ),
    "ticket_unassigned": lambda e: (
        "ticket.unassigned",
        {"previous_assignee_guid": e.guid(e.detail.get("previous")) or e.actor()},
    ),
    "ticket_status_changed": lambda e: (
        "ticket.status_changed",
        {"previous_status": e.detail["previous"], "status": e.detail["status"]},
    ),
    "reply_created": _reply,
    "reply_drafted": _reply,
    "note_created": lambda e: ("note.added", {"note_id": e.detail["noteId"]}),
    "note_updated": lambda e: ("note.updated", {"note_id": e.detail["noteId"]}),
    "note_deleted": lambda e: ("note.deleted", {"note_id": e.detail["noteId"]}),
    "ticket_category_changed": lambda e: (
        "ticket.category_changed",
        {"previous_category": e.detail.get("previous"), "category": e.detail.get("category")},
    ),
    "ticket_transferred": lambda e: (
        "ticket.transferred",
        {"from_department": e.detail.get("from"), "to_department": e.detail["to"]},
    ),
    "ticket_tags_changed": lambda e: ("ticket.tags_changed", {"tags": e.detail.get("tags", [])}),
    "custom_field_changed": lambda e: (
        "ticket.field_value_changed",
        {"field_id": e.detail["field"], "value": e.detail.get("value")},
    ),
}


def _rewrite_events() -> None:
    bind = op.get_bind()
    select = sa.text(
        "SELECT id, workspace_id, type, detail, actor_guid, actor_user_id FROM events"
        " WHERE id > :after ORDER BY id LIMIT :batch"
    )
    update = sa.text("UPDATE events SET type = :type, detail = :detail WHERE id = :id")
    after = 0
    while rows := bind.execute(select, {"after": after, "batch": BATCH}).all():
        changes = []
        for row in rows:
            event = Old(row)
            rewrite = REWRITES.get(event.type)
            if rewrite is not None:
                new_type, payload = rewrite(event)
                changes.append({"id": event.id, "type": new_type, "detail": json.dumps(payload)})
        if changes:
            bind.execute(update, changes)
        after = rows[-1].id


def _deliveries() -> None:
    op.create_table(
        "event_deliveries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("event_id", Id, nullable=False),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("destination", sa.String(2048), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("leased_until", sa.BigInteger()),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_response", sa.Text()),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger()),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("event_id", "channel", "destination"),
    )
    op.create_index(
        "ix_event_deliveries_due",
        "event_deliveries",
        ["next_attempt_at"],
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_event_deliveries_destination",
        "event_deliveries",
        ["channel", "destination", "event_id"],
    )


def downgrade() -> None:
    raise NotImplementedError("0003 rewrites stored events; restore a backup")
