"""delivery: public event ids, the fan-out marker, destinations with their schedule,
integrators' webhook endpoints, Discord event choice and per-department webhooks

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Millis = sa.BigInteger()


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("public_id", sa.String(36)))
        batch.add_column(sa.Column("fanned_out_at", Millis))
    # Events written before delivery existed are history, not news: mark them fanned out.
    random_hex = (
        "lower(hex(randomblob(16)))"
        if op.get_bind().dialect.name == "sqlite"
        else "md5(random()::text || id::text)"
    )
    op.execute(f"UPDATE events SET public_id = 'evt_' || {random_hex}, fanned_out_at = created_at")
    with op.batch_alter_table("events") as batch:
        batch.alter_column("public_id", existing_type=sa.String(36), nullable=False)
    op.create_index(
        "ix_events_fanout",
        "events",
        ["id"],
        sqlite_where=sa.text("fanned_out_at IS NULL"),
        postgresql_where=sa.text("fanned_out_at IS NULL"),
    )
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("discord_events", sa.Text()))
    with op.batch_alter_table("departments") as batch:
        batch.add_column(sa.Column("discord_webhook_url", sa.Text()))
    op.create_index(
        "ix_event_deliveries_finished",
        "event_deliveries",
        ["finished_at"],
        sqlite_where=sa.text("finished_at IS NOT NULL"),
        postgresql_where=sa.text("finished_at IS NOT NULL"),
    )
    op.create_table(
        "delivery_destinations",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("destination", sa.String(2048), primary_key=True),
        sa.Column("pending", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", Millis, nullable=False),
        sa.Column("leased_until", Millis),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("disabled_reason", sa.Text()),
        sa.Column("updated_at", Millis, nullable=False),
    )
    op.create_index(
        "ix_delivery_destinations_due",
        "delivery_destinations",
        ["next_attempt_at"],
        sqlite_where=sa.text("pending > 0"),
        postgresql_where=sa.text("pending > 0"),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("event_types", sa.Text()),
        sa.Column("created_at", Millis, nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_webhook_endpoints_workspace", "webhook_endpoints", ["workspace_id"])


def downgrade() -> None:
    op.drop_table("webhook_endpoints")
    op.drop_table("delivery_destinations")
    op.drop_index("ix_event_deliveries_finished", "event_deliveries")
    with op.batch_alter_table("departments") as batch:
        batch.drop_column("discord_webhook_url")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("discord_events")
    op.drop_index("ix_events_fanout", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("fanned_out_at")
        batch.drop_column("public_id")
