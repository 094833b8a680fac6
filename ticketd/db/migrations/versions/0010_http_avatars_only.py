"""http(s) avatars only: avatar URLs stored before the APIs refused other schemes
(`javascript:`, `data:`) are cleared, so no page or notification shows one

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Roughly what ticketd.kit.validation.http_url accepts, as SQL on both engines, never
# stricter (a URL with a space or a tab in it is cleared too; other whitespace is too
# rare to write out).
NOT_HTTP = (
    "{column} IS NOT NULL AND NOT ((lower({column}) LIKE 'http://_%'"
    " OR lower({column}) LIKE 'https://_%')"
    " AND {column} NOT LIKE '% %' AND {column} NOT LIKE '%' || char(9) || '%')"
)


def upgrade() -> None:
    tab = "chr(9)" if op.get_bind().dialect.name == "postgresql" else "char(9)"
    for table, column in (("tickets", "author_avatar_url"), ("people", "avatar_url")):
        condition = NOT_HTTP.format(column=column).replace("char(9)", tab)
        op.execute(f"UPDATE {table} SET {column} = NULL WHERE {condition}")


def downgrade() -> None:
    """Nothing to undo: the cleared URLs were never safe to show."""
