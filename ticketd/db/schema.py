"""The relational model. Alembic migrations are written from this; queries live in
each feature's repository. Times are integer milliseconds since the epoch (UTC)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
Millis = BigInteger


def workspace_fk() -> Column:
    return Column(
        "workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )


workspaces = Table(
    "workspaces",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("plan", String(20), nullable=False),
    Column("tickets_enabled", Boolean, nullable=False),
    Column("public_url", Boolean, nullable=False, server_default="0"),
    Column("discord_webhook_url", Text),
    Column("discord_webhook_enabled", Boolean, nullable=False, server_default="0"),
    Column("discord_webhook_ping", String(32)),
    Column("created_at", Millis, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", Millis, nullable=False),
    Column("last_used_at", Millis),
    Column("revoked_at", Millis),
)

departments = Table(
    "departments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("from_rank", Integer),
    Column("to_rank", Integer),
    Column("position", Integer, nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

department_members = Table(
    "department_members",
    metadata,
    Column("department_id", Id, ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, primary_key=True),
)

categories = Table(
    "categories",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("parent_id", Id, ForeignKey("categories.id", ondelete="SET NULL")),
    Column("membership_required", Boolean, nullable=False),
    Column("min_rank", Integer, nullable=False),
    Column("max_open_tickets", Integer),
    Column("position", Integer, nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

department_categories = Table(
    "department_categories",
    metadata,
    Column("department_id", Id, ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", Id, ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("user_id", BigInteger),
    Column("username", String(100)),
    Column("display_name", String(100)),
    Column("avatar_url", Text),
    Column("rank", Integer),
    Column("is_member", Boolean, nullable=False),
    Column("created_at", Millis, nullable=False),
    UniqueConstraint("workspace_id", "user_id"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("code", String(32), nullable=False, unique=True),
    Column("object_id", String(24), nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("category_key", String(100), nullable=False),
    Column("department_key", String(100)),
    Column("status", String(20), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("author_user_id", BigInteger, nullable=False),
    Column("author_username", String(100)),
    Column("author_display_name", String(100)),
    Column("author_avatar_url", Text),
    Column("claimed_by", BigInteger),
    Column("claimed_at", Millis),
    Column("game_report", Boolean, nullable=False),
    Column("place_id", BigInteger),
    Column("server_id", String(200)),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    Column("closed_at", Millis),
    Column("first_response_at", Millis),
    Index("ix_tickets_workspace", "workspace_id", "id"),
    Index("ix_tickets_workspace_status", "workspace_id", "status", "id"),
    Index("ix_tickets_workspace_author", "workspace_id", "author_user_id", "id"),
    Index("ix_tickets_workspace_department", "workspace_id", "department_key", "id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(40), nullable=False),
    Column("type", String(20), nullable=False),
    Column("author_user_id", BigInteger),
    Column("content", Text, nullable=False),
    Column("created_at", Millis, nullable=False),
    UniqueConstraint("ticket_id", "key"),
)

# One row per (workspace, category, author) for categories with an open-ticket limit:
# the limit is enforced by a conditional upsert on this row, which both engines
# serialise. Rebuilt from `tickets` whenever the configuration is applied.
open_ticket_counts = Table(
    "open_ticket_counts",
    metadata,
    Column("workspace_id", String(36), primary_key=True),
    Column("category_key", String(100), primary_key=True),
    Column("author_user_id", BigInteger, primary_key=True),
    Column("open_count", Integer, nullable=False),
)

# One append-only record per change: the audit trail (who changed what, when) and
# the outbox (the notification worker picks up rows with no `dispatched_at`), written
# in the same transaction as the change itself.
events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE")),
    Column("actor_user_id", BigInteger),
    Column("type", String(50), nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("dispatched_at", Millis),
    Index("ix_events_ticket", "ticket_id", "id"),
    Index(
        "ix_events_undispatched",
        "id",
        sqlite_where=text("dispatched_at IS NULL"),
        postgresql_where=text("dispatched_at IS NULL"),
    ),
)
