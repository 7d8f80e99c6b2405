"""row_events and model_rows.merged_into_id: a curator's decisions on model rows

Row accepts, rejects, moves, merges and their undoing, kept apart from the per-fact review
events so that re-extraction can honour them (``pipeline.rows.refresh_rows``).

Revision ID: 0007_row_decisions
Revises: 0006_model_rows
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_row_decisions"
down_revision: str | None = "0006_model_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_rows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_model_rows_merged_into_id_model_rows"),
            "model_rows",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "row_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["model_rows.id"],
            name=op.f("fk_row_events_row_id_model_rows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_events")),
    )
    with op.batch_alter_table("row_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_row_events_row_id"), ["row_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("row_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_row_events_row_id"))
    op.drop_table("row_events")
    with op.batch_alter_table("model_rows", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_model_rows_merged_into_id_model_rows"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
