"""helpdesk dialect: people GUIDs and e-mails, teammates, uncategorised tickets,
ticket sentiment/source/cc/tags/custom fields, rich messages, integration clients

Revision ID: 0002
Revises: 0001
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def user_guid(workspace_id: str, user_id: int) -> str:
    # Frozen copy of ticketd.kit.ids.user_guid: a migration must not change meaning
    # when the application code does.
    return str(uuid.uuid5(uuid.UUID(workspace_id), f"roblox:{user_id}"))


def upgrade() -> None:
    _people()
    _tickets()
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("author_guid", sa.String(36)))
        batch.add_column(sa.Column("html", sa.Text()))
        batch.add_column(sa.Column("attachments", sa.Text()))
        batch.add_column(sa.Column("mentions", sa.Text()))
        batch.add_column(sa.Column("parent_id", Id))
        batch.add_column(sa.Column("level", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("is_draft", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("updated_at", sa.BigInteger()))
        batch.create_foreign_key(
            "fk_messages_parent", "messages", ["parent_id"], ["id"], ondelete="SET NULL"
        )
    _message_authors()
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("actor_guid", sa.String(36)))
        batch.add_column(sa.Column("actor_name", sa.String(200)))
    _open_ticket_counts()
    _new_tables()


def _people() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("guid", sa.String(36)))
        batch.add_column(sa.Column("email", sa.String(254)))
        batch.add_column(sa.Column("email_key", sa.String(254)))
        batch.add_column(sa.Column("phone_number", sa.String(50)))
        batch.add_column(sa.Column("role", sa.String(20)))
        batch.alter_column("display_name", type_=sa.String(200))
    _fill_user_guids(
        "SELECT DISTINCT workspace_id, user_id FROM people",
        "UPDATE people SET guid = :guid WHERE workspace_id = :ws AND user_id = :user",
    )
    with op.batch_alter_table("people") as batch:
        batch.alter_column("guid", existing_type=sa.String(36), nullable=False)
        batch.create_unique_constraint("uq_people_guid", ["guid"])
        batch.create_unique_constraint("uq_people_workspace_email", ["workspace_id", "email_key"])


def _tickets() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("author_guid", sa.String(36)))
        batch.add_column(sa.Column("assignee_guid", sa.String(36)))
        batch.add_column(sa.Column("sentiment", sa.String(20)))
        batch.add_column(sa.Column("detailed_source", sa.String(40)))
        batch.add_column(sa.Column("source_name", sa.String(200)))
        batch.add_column(sa.Column("cc", sa.Text()))
        batch.add_column(sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("has_draft", sa.Boolean(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_thread_at", sa.BigInteger()))
    _fill_user_guids(
        "SELECT DISTINCT workspace_id, author_user_id FROM tickets",
        "UPDATE tickets SET author_guid = :guid"
        " WHERE workspace_id = :ws AND author_user_id = :user",
    )
    _fill_user_guids(
        "SELECT DISTINCT workspace_id, claimed_by FROM tickets WHERE claimed_by IS NOT NULL",
        "UPDATE tickets SET assignee_guid = :guid WHERE workspace_id = :ws AND claimed_by = :user",
    )
    op.get_bind().execute(
        sa.text(
            "UPDATE tickets SET detailed_source = CASE WHEN game_report THEN 'game_report'"
            " ELSE 'api_series' END, last_thread_at = COALESCE((SELECT MAX(m.created_at)"
            " FROM messages m WHERE m.ticket_id = tickets.id AND m.type IN"
            " ('author_message', 'staff_message')), created_at), reply_count ="
            " (SELECT COUNT(*) - 1 FROM messages m WHERE m.ticket_id = tickets.id"
            " AND m.type IN ('author_message', 'staff_message'))"
        )
    )
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("author_guid", existing_type=sa.String(36), nullable=False)
        batch.alter_column("detailed_source", existing_type=sa.String(40), nullable=False)
        batch.alter_column("last_thread_at", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("author_user_id", existing_type=sa.BigInteger(), nullable=True)
        batch.alter_column("category_key", existing_type=sa.String(100), nullable=True)
        batch.alter_column("author_display_name", type_=sa.String(200))
        batch.create_index("ix_tickets_workspace_thread", ["workspace_id", "last_thread_at"])
        batch.create_index("ix_tickets_workspace_category", ["workspace_id", "category_key", "id"])


def _message_authors() -> None:
    _fill_user_guids(
        "SELECT DISTINCT t.workspace_id, m.author_user_id FROM messages m"
        " JOIN tickets t ON t.id = m.ticket_id WHERE m.author_user_id IS NOT NULL",
        "UPDATE messages SET author_guid = :guid WHERE author_user_id = :user"
        " AND ticket_id IN (SELECT id FROM tickets WHERE workspace_id = :ws)",
    )


def _fill_user_guids(select: str, update: str) -> None:
    """For each (workspace id, Roblox user id) pair `select` finds, runs `update` with
    that user's GUID as :guid, the workspace as :ws and the user id as :user."""
    bind = op.get_bind()
    for workspace_id, user_id in bind.execute(sa.text(select)).all():
        values = {"guid": user_guid(workspace_id, user_id), "ws": workspace_id, "user": user_id}
        bind.execute(sa.text(update), values)


def _open_ticket_counts() -> None:
    op.drop_table("open_ticket_counts")
    op.create_table(
        "open_ticket_counts",
        sa.Column("workspace_id", sa.String(36), nullable=False),
        sa.Column("category_key", sa.String(100), nullable=False),
        sa.Column("author_guid", sa.String(36), nullable=False),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "category_key", "author_guid"),
    )
    op.execute(
        "INSERT INTO open_ticket_counts (workspace_id, category_key, author_guid, open_count)"
        " SELECT t.workspace_id, t.category_key, t.author_guid, COUNT(*) FROM tickets t"
        " JOIN categories c ON c.workspace_id = t.workspace_id AND c.key = t.category_key"
        " WHERE c.max_open_tickets > 0 AND t.status IN ('open', 'in-progress')"
        " GROUP BY t.workspace_id, t.category_key, t.author_guid"
    )


def _workspace_fk() -> sa.Column:
    return sa.Column(
        "workspace_id",
        sa.String(36),
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
    )


def _new_tables() -> None:
    op.create_table(
        "custom_fields",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _workspace_fk(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("options", sa.Text()),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("workspace_id", "name_key"),
    )
    op.create_table(
        "ticket_field_values",
        sa.Column(
            "ticket_id", Id, sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "field_id", Id, sa.ForeignKey("custom_fields.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_index("ix_ticket_field_values_field", "ticket_field_values", ["field_id", "value"])
    op.create_table(
        "tags",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _workspace_fk(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.UniqueConstraint("workspace_id", "name_key"),
    )
    op.create_table(
        "ticket_tags",
        sa.Column(
            "ticket_id", Id, sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("tag_id", Id, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_ticket_tags_tag", "ticket_tags", ["tag_id"])
    op.create_table(
        "helpdesk_clients",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        _workspace_fk(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False, unique=True),
        sa.Column("refresh_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_used_at", sa.BigInteger()),
        sa.Column("revoked_at", sa.BigInteger()),
    )
    op.create_table(
        "instance_secrets",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("0002 adds data the 0001 schema cannot hold; restore a backup")
