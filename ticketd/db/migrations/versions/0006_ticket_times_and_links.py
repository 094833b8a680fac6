"""ticket times and authors' links: when a ticket was first resolved, an unguessable
public token per ticket (the author's `/t/<token>` page), and an index for counting
tickets by creation day

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
    # 128 random bits from the engine's strong generator, as 32 hex digits.
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


def downgrade() -> None:
    op.drop_index("ix_tickets_workspace_created", "tickets")
    op.drop_index("ix_tickets_public_token", "tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("public_token")
        batch.drop_column("first_resolved_at")
