"""ticket times and authors' links: when a ticket was first resolved, an unguessable
public token per ticket (the author's `/t/<token>` page), and an index for counting
tickets by creation day; existing tickets get their first response and first resolution
from their history

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("first_resolved_at", sa.BigInteger()))
        batch.add_column(sa.Column("public_token", sa.String(32)))
    # Random from the engine's strong generator, as 32 hex digits (128 bits on SQLite,
    # 122 on PostgreSQL, whose random UUIDs fix 6 bits; new tickets get 128 from Python).
    random_hex = (
        "lower(hex(randomblob(16)))"
        if op.get_bind().dialect.name == "sqlite"
        else "replace(gen_random_uuid()::text, '-', '')"
    )
    op.execute(f"UPDATE tickets SET public_token = {random_hex}")
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("public_token", existing_type=sa.String(32), nullable=False)
    op.create_index("ix_tickets_public_token", "tickets", ["public_token"], unique=True)
    op.create_index("ix_tickets_workspace_created", "tickets", ["workspace_id", "created_at"])
    _backfill_first_response()
    _backfill_first_resolution()


def _backfill_first_response() -> None:
    """The first published staff message (not a note, draft or system message)."""
    op.execute(
        "UPDATE tickets SET first_response_at = (SELECT MIN(m.created_at) FROM messages m"
        " WHERE m.ticket_id = tickets.id AND m.type = 'staff_message' AND m.is_draft = FALSE)"
        " WHERE first_response_at IS NULL"
    )


# Frozen copy of the statuses outside ticketd.tickets.model.OPEN_STATUSES.
CLOSED_STATUSES = "('resolved', 'closed')"


def _backfill_first_resolution() -> None:
    """The first recorded move into a closed status; a closed ticket whose history
    records none falls back to when it was closed."""
    # Status changes are the only events read here: CASE keeps other details, whatever
    # they hold, away from the JSON parser.
    new_status = (
        "json_extract(e.detail, '$.status')"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(e.detail AS json) ->> 'status'"
    )
    op.execute(
        "UPDATE tickets SET first_resolved_at = (SELECT MIN(e.created_at) FROM events e"
        " WHERE e.ticket_id = tickets.id AND CASE WHEN e.type = 'ticket.status_changed'"
        f" THEN {new_status} END IN {CLOSED_STATUSES})"
        " WHERE first_resolved_at IS NULL"
    )
    op.execute(
        "UPDATE tickets SET first_resolved_at = closed_at"
        f" WHERE first_resolved_at IS NULL AND status IN {CLOSED_STATUSES}"
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_workspace_created", "tickets")
    op.drop_index("ix_tickets_public_token", "tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("public_token")
        batch.drop_column("first_resolved_at")
