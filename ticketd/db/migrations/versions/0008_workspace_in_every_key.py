"""the workspace in every key: messages, ticket tags, ticket field values and department
links get their own `workspace_id` (filled from the ticket or department), which their
keys and references to tickets, tags, fields, departments and categories include;
ticket codes, object ids and people's GUIDs become unique per workspace. What a database
distributed by workspace (Citus) needs, short of the primary keys (docs/deployment.md)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Referenced together with the workspace, so each needs a unique (workspace_id, id).
PARENTS = ("tickets", "tags", "custom_fields", "departments", "categories")


@dataclass(frozen=True)
class Reference:
    column: str
    parent: str
    name: str  # of the 0008 constraint
    parent_column: str = "id"

    def constraint(self, per_workspace: bool) -> sa.ForeignKeyConstraint:
        if not per_workspace:
            return sa.ForeignKeyConstraint(
                [self.column], [f"{self.parent}.{self.parent_column}"], ondelete="CASCADE"
            )
        return sa.ForeignKeyConstraint(
            ["workspace_id", self.column],
            [f"{self.parent}.workspace_id", f"{self.parent}.{self.parent_column}"],
            name=self.name,
            ondelete="CASCADE",
        )


@dataclass(frozen=True)
class Child:
    """A table that gets `workspace_id` from the parent row its `via` reference names."""

    name: str
    references: tuple[Reference, ...]
    primary_key: tuple[str, ...] = ()  # besides workspace_id; () when the key is `id`

    @property
    def via(self) -> Reference:
        return self.references[0]


MESSAGE_TICKET = Reference("ticket_id", "tickets", "fk_messages_ticket")
CHILDREN = (
    Child("messages", (MESSAGE_TICKET,)),
    Child(
        "ticket_tags",
        (
            Reference("ticket_id", "tickets", "fk_ticket_tags_ticket"),
            Reference("tag_id", "tags", "fk_ticket_tags_tag"),
        ),
        ("ticket_id", "tag_id"),
    ),
    Child(
        "ticket_field_values",
        (
            Reference("ticket_id", "tickets", "fk_ticket_field_values_ticket"),
            Reference("field_id", "custom_fields", "fk_ticket_field_values_field"),
        ),
        ("ticket_id", "field_id"),
    ),
    Child(
        "department_members",
        (Reference("department_id", "departments", "fk_department_members_department"),),
        ("department_id", "user_id"),
    ),
    Child(
        "department_categories",
        (
            Reference("department_id", "departments", "fk_department_categories_department"),
            Reference("category_id", "categories", "fk_department_categories_category"),
        ),
        ("department_id", "category_id"),
    ),
)
CREDENTIAL_PERSON = Reference("person_guid", "people", "fk_staff_credentials_person", "guid")
SESSION_PERSON = Reference("person_guid", "people", "fk_staff_sessions_person", "guid")
UNIQUE_PER_WORKSPACE = {  # (table, name): column; unique across the database before 0008
    ("tickets", "uq_tickets_code"): "code",
    ("tickets", "uq_tickets_object_id"): "object_id",
    ("people", "uq_people_workspace_guid"): "guid",
}


def upgrade() -> None:
    for table in PARENTS[1:]:
        op.create_index(f"ix_{table}_workspace", table, ["workspace_id", "id"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _rebuild_sqlite(per_workspace=True)


def downgrade() -> None:
    """Fails where codes, object ids or GUIDs have since repeated across workspaces."""
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
    else:
        _rebuild_sqlite(per_workspace=False)
    for table in PARENTS[1:]:
        op.drop_index(f"ix_{table}_workspace", table)


# PostgreSQL changes keys in place: 0007's search indexes and statistics stay as they are.


def _upgrade_postgresql() -> None:
    op.drop_index("ix_tickets_workspace", "tickets")
    op.create_index("ix_tickets_workspace", "tickets", ["workspace_id", "id"], unique=True)
    for (table, name), column in UNIQUE_PER_WORKSPACE.items():
        op.create_unique_constraint(name, table, ["workspace_id", column])
    for child in CHILDREN:
        _add_workspace_column(child)
        _rekey(child, per_workspace=True)
    op.drop_constraint("tickets_code_key", "tickets")
    op.drop_constraint("tickets_object_id_key", "tickets")
    _rekey_staff(per_workspace=True)
    op.drop_constraint("uq_people_guid", "people")


def _add_workspace_column(child: Child) -> None:
    table, via = child.name, child.via
    op.add_column(table, sa.Column("workspace_id", sa.String(36)))
    op.execute(
        f"UPDATE {table} SET workspace_id = p.workspace_id FROM {via.parent} p"
        f" WHERE p.id = {table}.{via.column}"
    )
    op.alter_column(table, "workspace_id", existing_type=sa.String(36), nullable=False)
    op.create_foreign_key(
        f"{table}_workspace_id_fkey",
        table,
        "workspaces",
        ["workspace_id"],
        ["id"],
        ondelete="CASCADE",
    )


def _rekey(child: Child, *, per_workspace: bool) -> None:
    """Swaps the child's key and references between their 0007 and 0008 shapes."""
    table = child.name
    for reference in child.references:
        old = reference.name if not per_workspace else f"{table}_{reference.column}_fkey"
        op.drop_constraint(old, table, type_="foreignkey")
    workspace = ["workspace_id"] if per_workspace else []
    if child.primary_key:
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, [*workspace, *child.primary_key])
    else:  # messages: the key of each message within its ticket
        old_unique = "messages_ticket_id_key_key" if per_workspace else "uq_messages_ticket_key"
        new_unique = "uq_messages_ticket_key" if per_workspace else "messages_ticket_id_key_key"
        op.drop_constraint(old_unique, table, type_="unique")
        op.create_unique_constraint(new_unique, table, [*workspace, "ticket_id", "key"])
    for reference in child.references:
        _create_reference(table, reference, per_workspace)


def _create_reference(table: str, reference: Reference, per_workspace: bool) -> None:
    workspace = ["workspace_id"] if per_workspace else []
    op.create_foreign_key(
        reference.name if per_workspace else f"{table}_{reference.column}_fkey",
        table,
        reference.parent,
        [*workspace, reference.column],
        [*workspace, reference.parent_column],
        ondelete="CASCADE",
    )


def _rekey_staff(*, per_workspace: bool) -> None:
    for table, reference in (
        ("staff_credentials", CREDENTIAL_PERSON),
        ("staff_sessions", SESSION_PERSON),
    ):
        old = reference.name if not per_workspace else f"{table}_person_guid_fkey"
        op.drop_constraint(old, table, type_="foreignkey")
    workspace = ["workspace_id"] if per_workspace else []
    op.drop_constraint("staff_credentials_pkey", "staff_credentials", type_="primary")
    op.create_primary_key(
        "staff_credentials_pkey", "staff_credentials", [*workspace, "person_guid"]
    )
    if not per_workspace:
        op.create_unique_constraint("uq_people_guid", "people", ["guid"])
    _create_reference("staff_credentials", CREDENTIAL_PERSON, per_workspace)
    _create_reference("staff_sessions", SESSION_PERSON, per_workspace)


def _downgrade_postgresql() -> None:
    _rekey_staff(per_workspace=False)
    op.create_unique_constraint("tickets_code_key", "tickets", ["code"])
    op.create_unique_constraint("tickets_object_id_key", "tickets", ["object_id"])
    for child in reversed(CHILDREN):
        _rekey(child, per_workspace=False)
        op.drop_column(child.name, "workspace_id")
    for (table, name), _ in UNIQUE_PER_WORKSPACE.items():
        op.drop_constraint(name, table, type_="unique")
    op.drop_index("ix_tickets_workspace", "tickets")
    op.create_index("ix_tickets_workspace", "tickets", ["workspace_id", "id"])


# SQLite changes keys only by copying a table into a new one of the new shape, which
# then takes the old one's name. Ids are copied too: 0007's search tables are keyed by
# them. Dropping `tickets` and `messages` drops their search triggers, made again after.


def _rebuild_sqlite(*, per_workspace: bool) -> None:
    _rebuild("tickets", _tickets(per_workspace), _ticket_indexes(per_workspace))
    _rebuild("people", _people(per_workspace))
    for child in CHILDREN:
        via = child.via if per_workspace else None
        _rebuild(child.name, _child(child, per_workspace), CHILD_INDEXES.get(child.name, []), via)
    _rebuild("staff_credentials", _staff_credentials(per_workspace))
    _rebuild("staff_sessions", _staff_sessions(per_workspace), [SESSION_INDEX])
    for statement in SEARCH_TRIGGERS:
        op.execute(statement)


IndexSpec = tuple[str, list[str], bool]  # name, columns, unique


def _rebuild(
    name: str,
    items: list[SchemaItem],
    indexes: Sequence[IndexSpec] = (),
    via: Reference | None = None,
) -> None:
    """`via`: the reference whose parent row gives the new `workspace_id`."""
    copy = f"{name}_0008"
    columns = [c.name for c in op.create_table(copy, *items).columns]
    sources = [f'x."{c}"' for c in columns]
    join = ""
    if via is not None:
        sources = [
            "p.workspace_id" if c == "workspace_id" else s
            for c, s in zip(columns, sources, strict=True)
        ]
        join = f" JOIN {via.parent} p ON p.id = x.{via.column}"
    quoted = ", ".join(f'"{c}"' for c in columns)
    op.execute(f"INSERT INTO {copy} ({quoted}) SELECT {', '.join(sources)} FROM {name} x{join}")
    op.drop_table(name)
    op.rename_table(copy, name)
    for index, index_columns, unique in indexes:
        op.create_index(index, name, index_columns, unique=unique)


def _workspace(primary_key: bool = False) -> list[SchemaItem]:
    return [
        sa.Column("workspace_id", sa.String(36), nullable=False, primary_key=primary_key),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
    ]


def _tickets(per_workspace: bool) -> list[SchemaItem]:
    if per_workspace:
        unique = [
            sa.UniqueConstraint("workspace_id", "code", name="uq_tickets_code"),
            sa.UniqueConstraint("workspace_id", "object_id", name="uq_tickets_object_id"),
        ]
    else:
        unique = [sa.UniqueConstraint("code"), sa.UniqueConstraint("object_id")]
    return [
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        *_workspace(),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(24), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("category_key", sa.String(100)),
        sa.Column("department_key", sa.String(100)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("author_guid", sa.String(36), nullable=False),
        sa.Column("author_user_id", sa.BigInteger()),
        sa.Column("author_username", sa.String(100)),
        sa.Column("author_display_name", sa.String(200)),
        sa.Column("author_avatar_url", sa.Text()),
        sa.Column("assignee_guid", sa.String(36)),
        sa.Column("claimed_by", sa.BigInteger()),
        sa.Column("claimed_at", sa.BigInteger()),
        sa.Column("game_report", sa.Boolean(), nullable=False),
        sa.Column("place_id", sa.BigInteger()),
        sa.Column("server_id", sa.String(200)),
        sa.Column("sentiment", sa.String(20)),
        sa.Column("detailed_source", sa.String(40), nullable=False),
        sa.Column("source_name", sa.String(200)),
        sa.Column("cc", sa.Text()),
        sa.Column("reply_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("has_draft", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("last_thread_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger()),
        sa.Column("first_response_at", sa.BigInteger()),
        sa.Column("first_resolved_at", sa.BigInteger()),
        sa.Column("public_token", sa.String(32), nullable=False),
        *unique,
    ]


def _ticket_indexes(per_workspace: bool) -> list[IndexSpec]:
    return [
        ("ix_tickets_workspace", ["workspace_id", "id"], per_workspace),
        ("ix_tickets_workspace_thread", ["workspace_id", "last_thread_at"], False),
        ("ix_tickets_workspace_category", ["workspace_id", "category_key", "id"], False),
        ("ix_tickets_workspace_status", ["workspace_id", "status", "id"], False),
        ("ix_tickets_workspace_author", ["workspace_id", "author_user_id", "id"], False),
        ("ix_tickets_workspace_department", ["workspace_id", "department_key", "id"], False),
        ("ix_tickets_workspace_created", ["workspace_id", "created_at"], False),
        (
            "ix_tickets_workspace_assignee",
            ["workspace_id", "assignee_guid", "status", "last_thread_at"],
            False,
        ),
        ("ix_tickets_public_token", ["public_token"], True),
    ]


def _people(per_workspace: bool) -> list[SchemaItem]:
    guid = (
        sa.UniqueConstraint("workspace_id", "guid", name="uq_people_workspace_guid")
        if per_workspace
        else sa.UniqueConstraint("guid", name="uq_people_guid")
    )
    return [
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        *_workspace(),
        sa.Column("guid", sa.String(36), nullable=False),
        sa.Column("user_id", sa.BigInteger()),
        sa.Column("username", sa.String(100)),
        sa.Column("display_name", sa.String(200)),
        sa.Column("avatar_url", sa.Text()),
        sa.Column("rank", sa.Integer()),
        sa.Column("is_member", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("email_key", sa.String(254)),
        sa.Column("phone_number", sa.String(50)),
        sa.Column("role", sa.String(20)),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("workspace_id", "user_id"),
        sa.UniqueConstraint("workspace_id", "email_key", name="uq_people_workspace_email"),
        guid,
    ]


def _child(child: Child, per_workspace: bool) -> list[SchemaItem]:
    references = [r.constraint(per_workspace) for r in child.references]
    if child.name == "messages":
        return _messages(per_workspace, references)
    workspace = ["workspace_id"] if per_workspace else []
    return [
        *(_workspace() if per_workspace else []),
        *_link_columns(child.name),
        sa.PrimaryKeyConstraint(*workspace, *child.primary_key),
        *references,
    ]


def _link_columns(table: str) -> list[sa.Column]:
    def ids(*names: str) -> list[sa.Column]:
        return [sa.Column(name, Id, nullable=False) for name in names]

    return {
        "ticket_tags": ids("ticket_id", "tag_id"),
        "ticket_field_values": [
            *ids("ticket_id", "field_id"),
            sa.Column("value", sa.Text(), nullable=False),
        ],
        "department_members": [
            *ids("department_id"),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
        ],
        "department_categories": [
            *ids("department_id", "category_id"),
            sa.Column("position", sa.Integer(), nullable=False),
        ],
    }[table]


CHILD_INDEXES: dict[str, list[IndexSpec]] = {
    "ticket_tags": [("ix_ticket_tags_tag", ["tag_id"], False)],
    "ticket_field_values": [("ix_ticket_field_values_field", ["field_id", "value"], False)],
}


def _messages(per_workspace: bool, references: list[sa.ForeignKeyConstraint]) -> list[SchemaItem]:
    unique = (
        sa.UniqueConstraint("workspace_id", "ticket_id", "key", name="uq_messages_ticket_key")
        if per_workspace
        else sa.UniqueConstraint("ticket_id", "key")
    )
    return [
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        *(_workspace() if per_workspace else []),
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("author_user_id", sa.BigInteger()),
        sa.Column("author_guid", sa.String(36)),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("html", sa.Text()),
        sa.Column("attachments", sa.Text()),
        sa.Column("mentions", sa.Text()),
        sa.Column("parent_id", Id),
        sa.Column("level", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("is_draft", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger()),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["messages.id"], name="fk_messages_parent", ondelete="SET NULL"
        ),
        *references,
        unique,
    ]


def _staff_credentials(per_workspace: bool) -> list[SchemaItem]:
    key = ("workspace_id", "person_guid") if per_workspace else ("person_guid",)
    return [
        *_workspace(),
        sa.Column("person_guid", sa.String(36), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*key),
        CREDENTIAL_PERSON.constraint(per_workspace),
    ]


def _staff_sessions(per_workspace: bool) -> list[SchemaItem]:
    return [
        sa.Column("token_hash", sa.String(64), primary_key=True),
        *_workspace(),
        sa.Column("person_guid", sa.String(36), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        SESSION_PERSON.constraint(per_workspace),
    ]


SESSION_INDEX: IndexSpec = ("ix_staff_sessions_person", ["person_guid"], False)

# Frozen copies of 0007's triggers, which keep the search tables current.
TICKET_TEXT = (
    "{t}.subject || '\n' || coalesce({t}.author_username, '')"
    " || '\n' || coalesce({t}.author_display_name, '')"
)
SEARCH_TRIGGERS = [
    "CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN"
    f" INSERT INTO ticket_search (rowid, text) VALUES (new.id, {TICKET_TEXT.format(t='new')});"
    " END",
    "CREATE TRIGGER ticket_search_update"
    " AFTER UPDATE OF subject, author_username, author_display_name ON tickets BEGIN"
    f" UPDATE ticket_search SET text = {TICKET_TEXT.format(t='new')} WHERE rowid = new.id;"
    " END",
    "CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN"
    " DELETE FROM ticket_search WHERE rowid = old.id; END",
    "CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN NOT new.is_draft"
    " BEGIN INSERT INTO message_search (rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER message_search_update AFTER UPDATE OF content, is_draft ON messages BEGIN"
    " INSERT INTO message_search (message_search, rowid, content)"
    " SELECT 'delete', old.id, old.content WHERE NOT old.is_draft;"
    " INSERT INTO message_search (rowid, content)"
    " SELECT new.id, new.content WHERE NOT new.is_draft; END",
    "CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN NOT old.is_draft"
    " BEGIN INSERT INTO message_search (message_search, rowid, content)"
    " VALUES ('delete', old.id, old.content); END",
]
