"""The relational model. Alembic migrations are written from this; queries live in
each feature's repository. Times are integer milliseconds since the epoch (UTC)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
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


def number_column() -> Column:
    """A row's number within its workspace (1, 2, 3…): the integer id an API shows, so
    that no workspace learns how many rows the others have. Taken from the workspace's
    row in `workspace_numbers`; unique per workspace (`number_index`)."""
    return Column("number", BigInteger, nullable=False)


def number_index(table: str) -> Index:
    return Index(f"uq_{table}_number", "workspace_id", "number", unique=True)


def same_workspace_fk(
    column: str, parent: str, name: str, parent_column: str = "id"
) -> ForeignKeyConstraint:
    """`column` names a row of `parent` in the same workspace. With the workspace in
    every such key, a database distributed by workspace keeps both rows on one node
    (docs/deployment.md); `parent` has a unique index on (workspace_id, parent_column)."""
    return ForeignKeyConstraint(
        ["workspace_id", column],
        [f"{parent}.workspace_id", f"{parent}.{parent_column}"],
        name=name,
        ondelete="CASCADE",
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
    Column("discord_events", Text),  # JSON array of notice names; NULL: the defaults
    Column("created_at", Millis, nullable=False),
    # Changes to the workspace's members, counted by triggers on `people` (0015).
    Column("members_version", BigInteger, nullable=False, server_default="0"),
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
    Column("discord_webhook_url", Text),  # overrides the workspace's for this department
    number_column(),
    UniqueConstraint("workspace_id", "key"),
    Index("ix_departments_workspace", "workspace_id", "id", unique=True),
    number_index("departments"),
)

department_members = Table(
    "department_members",
    metadata,
    Column("workspace_id", String(36), primary_key=True),
    Column("department_id", Id, primary_key=True),
    Column("user_id", BigInteger, primary_key=True),
    ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    same_workspace_fk("department_id", "departments", "fk_department_members_department"),
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
    number_column(),
    UniqueConstraint("workspace_id", "key"),
    Index("ix_categories_workspace", "workspace_id", "id", unique=True),
    number_index("categories"),
)

department_categories = Table(
    "department_categories",
    metadata,
    Column("workspace_id", String(36), primary_key=True),
    Column("department_id", Id, primary_key=True),
    Column("category_id", Id, primary_key=True),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    same_workspace_fk("department_id", "departments", "fk_department_categories_department"),
    same_workspace_fk("category_id", "categories", "fk_department_categories_category"),
)

# Everyone a workspace knows: Series members (by Roblox user id), helpdesk teammates
# (`role` set) and helpdesk clients (by e-mail). `guid` is the public id of the
# helpdesk dialect, unique within the workspace; for a Roblox user it is derived from
# the workspace and the user id (see kit/ids.py), for anyone else it is a random UUID.
people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("guid", String(36), nullable=False),
    Column("user_id", BigInteger),
    Column("username", String(100)),
    Column("display_name", String(200)),
    Column("avatar_url", Text),
    Column("rank", Integer),
    Column("is_member", Boolean, nullable=False),
    Column("email", String(254)),
    Column("email_key", String(254)),  # lower-cased: e-mail lookups ignore case
    Column("phone_number", String(50)),
    Column("role", String(20)),  # admin | agent | read_only_user; NULL for clients
    Column("created_at", Millis, nullable=False),
    UniqueConstraint("workspace_id", "user_id"),
    UniqueConstraint("workspace_id", "email_key"),
    UniqueConstraint("workspace_id", "guid", name="uq_people_workspace_guid"),
)

# A password for someone who works tickets (Series staff, helpdesk teammates), to sign in
# to the dashboard. Only the argon2 hash is kept.
staff_credentials = Table(
    "staff_credentials",
    metadata,
    Column("workspace_id", String(36), primary_key=True),
    Column("person_guid", String(36), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("changed_at", Millis, nullable=False),
    ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    same_workspace_fk("person_guid", "people", "fk_staff_credentials_person", "guid"),
)

# A signed-in dashboard session. The cookie holds a random token; only its SHA-256 is
# kept, so a copy of the database signs nobody in. Revoked by deleting the row.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    workspace_fk(),
    Column("person_guid", String(36), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("last_seen_at", Millis, nullable=False),
    same_workspace_fk("person_guid", "people", "fk_staff_sessions_person", "guid"),
    Index("ix_staff_sessions_person", "person_guid"),
)

# Failed sign-ins per account and per client address, counted in the database so that
# every process enforces one limit.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(300), primary_key=True),  # account:<login> or address:<ip>
    Column("failures", Integer, nullable=False),
    Column("window_started_at", Millis, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    # Unique within the workspace, as every lookup by them names it; `public_token` alone
    # is looked up without one (/t/<token>), so it stays unique across the database.
    Column("code", String(32), nullable=False),
    Column("object_id", String(24), nullable=False),
    Column("subject", Text, nullable=False),
    Column("category_key", String(100)),  # NULL: uncategorised (helpdesk only)
    Column("department_key", String(100)),
    Column("status", String(20), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("author_guid", String(36), nullable=False),
    Column("author_user_id", BigInteger),
    Column("author_username", String(100)),
    Column("author_display_name", String(200)),
    Column("author_avatar_url", Text),
    # The assignee (claimer) is `assignee_guid`; `claimed_by` is its Roblox user id,
    # NULL when the assignee is a teammate without one.
    Column("assignee_guid", String(36)),
    Column("claimed_by", BigInteger),
    Column("claimed_at", Millis),
    Column("game_report", Boolean, nullable=False),
    Column("place_id", BigInteger),
    Column("server_id", String(200)),
    Column("sentiment", String(20)),
    Column("detailed_source", String(40), nullable=False),
    Column("source_name", String(200)),
    Column("cc", Text),  # JSON array of e-mail addresses
    Column("reply_count", Integer, nullable=False, server_default="0"),
    Column("has_draft", Boolean, nullable=False, server_default="0"),
    Column("last_thread_at", Millis, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    Column("closed_at", Millis),
    Column("first_response_at", Millis),
    Column("first_resolved_at", Millis),  # kept when reopened: the first resolution
    Column("public_token", String(32), nullable=False),  # the author's link, /t/<token>
    number_column(),
    UniqueConstraint("workspace_id", "code", name="uq_tickets_code"),
    UniqueConstraint("workspace_id", "object_id", name="uq_tickets_object_id"),
    Index("ix_tickets_workspace", "workspace_id", "id", unique=True),
    Index("ix_tickets_workspace_thread", "workspace_id", "last_thread_at", "id", "department_key"),
    Index("ix_tickets_workspace_category", "workspace_id", "category_key", "id"),
    Index("ix_tickets_workspace_status", "workspace_id", "status", "id"),
    Index("ix_tickets_workspace_author", "workspace_id", "author_user_id", "id"),
    Index("ix_tickets_workspace_department", "workspace_id", "department_key", "id"),
    Index("ix_tickets_workspace_created", "workspace_id", "created_at"),
    Index(
        "ix_tickets_workspace_assignee",
        *("workspace_id", "assignee_guid", "status", "last_thread_at", "department_key"),
    ),
    Index("ix_tickets_public_token", "public_token", unique=True),
    number_index("tickets"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("ticket_id", Id, nullable=False),
    Column("key", String(40), nullable=False),
    Column("type", String(20), nullable=False),  # author/staff/system_message, internal_note
    Column("author_user_id", BigInteger),
    Column("author_guid", String(36)),
    Column("content", Text, nullable=False),  # plain text
    Column("html", Text),  # sanitised HTML; NULL when the message was sent as text
    Column("attachments", Text),  # JSON array of {url, name}
    Column("mentions", Text),  # JSON array of person GUIDs (notes)
    Column("parent_id", Id, ForeignKey("messages.id", ondelete="SET NULL")),
    Column("parent_number", BigInteger),  # the parent's `number`, which APIs show
    Column("level", Integer, nullable=False, server_default="0"),
    Column("is_draft", Boolean, nullable=False, server_default="0"),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis),
    number_column(),
    same_workspace_fk("ticket_id", "tickets", "fk_messages_ticket"),
    UniqueConstraint("workspace_id", "ticket_id", "key", name="uq_messages_ticket_key"),
    number_index("messages"),
)

# One row per (workspace, category, author) for categories with an open-ticket limit:
# the limit is enforced by a conditional upsert on this row, which both engines
# serialise. Rebuilt from `tickets` whenever the configuration is applied.
open_ticket_counts = Table(
    "open_ticket_counts",
    metadata,
    Column("workspace_id", String(36), primary_key=True),
    Column("category_key", String(100), primary_key=True),
    Column("author_guid", String(36), primary_key=True),
    Column("open_count", Integer, nullable=False),
)

# How many tickets each workspace has per department ('' for none) and status, kept by
# triggers on `tickets` (migration 0009), so list totals cost the same at a million
# tickets as at ten. PostgreSQL spreads each count over slots (one per server process,
# by backend pid), so concurrent creates do not queue for one row; a slot may hold a
# negative number, the sum over slots is the count.
ticket_counts = Table(
    "ticket_counts",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"),
           primary_key=True),
    Column("department_key", String(100), primary_key=True),
    Column("status", String(20), primary_key=True),
    Column("slot", SmallInteger, primary_key=True),
    Column("n", BigInteger, nullable=False),
)  # fmt: skip

# How many tickets carry each tag per department ('' for none) and status, kept by
# triggers on `ticket_tags` and `tickets` (migration 0014) as ticket_counts is.
tag_counts = Table(
    "tag_counts",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"),
           primary_key=True),
    Column("tag_id", BigInteger, primary_key=True),
    Column("department_key", String(100), primary_key=True),
    Column("status", String(20), primary_key=True),
    Column("slot", SmallInteger, primary_key=True),
    Column("n", BigInteger, nullable=False),
)  # fmt: skip

# The last number each workspace gave to each kind of numbered row (number_column), one
# row per workspace: taking numbers is a conditional upsert on it, which both engines
# serialise per workspace (ticketd/db/numbers.py), so concurrent creates never share one.
workspace_numbers = Table(
    "workspace_numbers",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"),
           primary_key=True),
    Column("tickets", BigInteger, nullable=False, server_default="0"),
    Column("messages", BigInteger, nullable=False, server_default="0"),
    Column("categories", BigInteger, nullable=False, server_default="0"),
    Column("custom_fields", BigInteger, nullable=False, server_default="0"),
    Column("departments", BigInteger, nullable=False, server_default="0"),
)  # fmt: skip

# A create's answer under the client's Idempotency-Key, stored with the ticket in one
# transaction, so a retry after a lost answer gets it back instead of a second ticket
# (ticketd/kit/idempotency.py). Kept for a day.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"),
           primary_key=True),
    Column("endpoint", String(40), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of the request body
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Millis, nullable=False),
    Index("ix_idempotency_keys_workspace_created", "workspace_id", "created_at"),
)  # fmt: skip

# One append-only record per change: the audit trail (who changed what, when) and the
# outbox the notification senders read, written in the same transaction as the change
# itself. `type` and `detail` are one of the typed payloads of tickets/events.py.
events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("ticket_id", Id, ForeignKey("tickets.id", ondelete="CASCADE")),
    Column("actor_user_id", BigInteger),
    Column("actor_guid", String(36)),
    Column("actor_name", String(200)),
    Column("type", String(50), nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("public_id", String(36), nullable=False),  # evt_<32 hex>, for receivers
    Column("fanned_out_at", Millis),  # NULL until the worker has made its deliveries
    Index("ix_events_ticket", "ticket_id", "id"),
    Index(
        "ix_events_fanout",
        "id",
        sqlite_where=text("fanned_out_at IS NULL"),
        postgresql_where=text("fanned_out_at IS NULL"),
    ),
)

# One row per event and destination (a Discord webhook, an integration's endpoint, an
# e-mail address): each destination keeps its own attempts, schedule and last result,
# so one slow or dead receiver never holds back the others (docs/decisions.md).
event_deliveries = Table(
    "event_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", Id, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    workspace_fk(),
    Column("channel", String(20), nullable=False),  # discord | webhook | email
    Column("destination", String(2048), nullable=False),  # URL or address
    Column("state", String(20), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Millis, nullable=False),
    Column("leased_until", Millis),  # a worker holds it until then
    Column("last_status", Integer),  # HTTP status or SMTP reply code
    Column("last_response", Text),  # truncated
    Column("last_error", Text),
    Column("created_at", Millis, nullable=False),
    Column("finished_at", Millis),  # delivered or given up
    UniqueConstraint("event_id", "channel", "destination"),
    Index(
        "ix_event_deliveries_due",
        "next_attempt_at",
        sqlite_where=text("state = 'pending'"),
        postgresql_where=text("state = 'pending'"),
    ),
    Index("ix_event_deliveries_destination", "channel", "destination", "event_id"),
    Index(
        "ix_event_deliveries_finished",
        "finished_at",
        sqlite_where=text("finished_at IS NOT NULL"),
        postgresql_where=text("finished_at IS NOT NULL"),
    ),
)

# One row per destination: its deliveries go out one at a time in event order, so the
# destination, not each delivery, holds the schedule and the lease. A dead destination
# is one row waiting for its next attempt, however many deliveries queue behind it.
delivery_destinations = Table(
    "delivery_destinations",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("destination", String(2048), primary_key=True),
    # Counted in the same transactions that add and finish deliveries, so "is there
    # work here" reads this row alone.
    Column("pending", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Millis, nullable=False),
    Column("leased_until", Millis),  # a worker sends its deliveries until then
    Column("failures", Integer, nullable=False, server_default="0"),  # in a row
    Column("disabled_reason", Text),  # set when retrying cannot help (Discord 404)
    Column("updated_at", Millis, nullable=False),
    Index(
        "ix_delivery_destinations_due",
        "next_attempt_at",
        sqlite_where=text("pending > 0"),
        postgresql_where=text("pending > 0"),
    ),
)

# Integrators' endpoints: each signs its deliveries with its own secret (Standard
# Webhooks) and chooses a payload format and, optionally, the event types it wants.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),  # wh_<hex>
    workspace_fk(),
    Column("url", String(2048), nullable=False),
    Column("format", String(20), nullable=False),  # series | socialboards
    Column("secret", String(100), nullable=False),
    Column("event_types", Text),  # JSON array; NULL: every type
    Column("created_at", Millis, nullable=False),
    Index("ix_webhook_endpoints_workspace", "workspace_id"),
)


custom_fields = Table(
    "custom_fields",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False),  # lower-cased: names differ in more than case
    Column("type", String(20), nullable=False),  # text | number | date | dropdown
    Column("options", Text),  # JSON array of the dropdown's possible values
    Column("created_at", Millis, nullable=False),
    number_column(),
    UniqueConstraint("workspace_id", "name_key"),
    Index("ix_custom_fields_workspace", "workspace_id", "id", unique=True),
    number_index("custom_fields"),
)

ticket_field_values = Table(
    "ticket_field_values",
    metadata,
    Column("workspace_id", String(36), primary_key=True),
    Column("ticket_id", Id, primary_key=True),
    Column("field_id", Id, primary_key=True),
    Column("value", Text, nullable=False),
    ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    same_workspace_fk("ticket_id", "tickets", "fk_ticket_field_values_ticket"),
    same_workspace_fk("field_id", "custom_fields", "fk_ticket_field_values_field"),
    Index("ix_ticket_field_values_field", "field_id", "value"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("name", String(100), nullable=False),  # as first written
    Column("name_key", String(100), nullable=False),  # lower-cased: one tag whatever the case
    UniqueConstraint("workspace_id", "name_key"),
    Index("ix_tags_workspace", "workspace_id", "id", unique=True),
)

ticket_tags = Table(
    "ticket_tags",
    metadata,
    Column("workspace_id", String(36), primary_key=True),
    Column("ticket_id", Id, primary_key=True),
    Column("tag_id", Id, primary_key=True),
    # The ticket's last_thread_at, kept by a trigger on tickets (migration 0018): one
    # tag's tickets are listed from here in either order, as tickets are (tickets/repository.py).
    Column("ticket_thread_at", Millis, nullable=False),
    ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    same_workspace_fk("ticket_id", "tickets", "fk_ticket_tags_ticket"),
    same_workspace_fk("tag_id", "tags", "fk_ticket_tags_tag"),
    Index("ix_ticket_tags_tag", "workspace_id", "tag_id", "ticket_id"),
    Index("ix_ticket_tags_thread", "workspace_id", "tag_id", "ticket_thread_at", "ticket_id"),
)

# A named helpdesk integration: its refresh token (only the hash is kept) is exchanged
# for short-lived signed access tokens; revoking the client refuses both at once.
helpdesk_clients = Table(
    "helpdesk_clients",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    workspace_fk(),
    Column("name", String(200), nullable=False),
    Column("client_id", String(36), nullable=False, unique=True),
    Column("refresh_hash", String(64), nullable=False, unique=True),
    Column("created_at", Millis, nullable=False),
    Column("last_used_at", Millis),
    Column("revoked_at", Millis),
)

# Secrets the service makes for itself on first start (the token signing key), shared
# by every process on the database.
instance_secrets = Table(
    "instance_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Text, nullable=False),
)

# Made by migration 0007 with each engine's own search machinery (SQLite FTS5 tables and
# their shadow tables, PostgreSQL pg_trgm indexes), which this metadata cannot describe.
SEARCH_OBJECTS = ("ticket_search", "message_search", "ix_tickets_search", "ix_messages_search")


def is_search_object(name: str | None) -> bool:
    return name is not None and any(name == o or name.startswith(o + "_") for o in SEARCH_OBJECTS)
