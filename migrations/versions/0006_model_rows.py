"""model_rows and row_cells: a paper's models assembled from its facts, each cell a fact

Observations are built from accepted cells of these rows instead of exact model-name joins.

Revision ID: 0006_model_rows
Revises: 0005_paper_failure_class
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_model_rows"
down_revision: str | None = "0005_paper_failure_class"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=255), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("own", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_model_rows_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_rows")),
        sa.UniqueConstraint("paper_id", "row_key", name="uq_model_rows_paper_id_row_key"),
    )
    with op.batch_alter_table("model_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_rows_paper_id"), ["paper_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_rows_status"), ["status"], unique=False)
    op.create_table(
        "row_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("link", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["fact_id"], ["facts.id"], name=op.f("fk_row_cells_fact_id_facts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["model_rows.id"],
            name=op.f("fk_row_cells_row_id_model_rows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_cells")),
        sa.UniqueConstraint("row_id", "fact_id", name="uq_row_cells_row_id_fact_id"),
    )
    with op.batch_alter_table("row_cells", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_row_cells_fact_id"), ["fact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_row_cells_row_id"), ["row_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("row_cells", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_row_cells_row_id"))
        batch_op.drop_index(batch_op.f("ix_row_cells_fact_id"))
    op.drop_table("row_cells")
    with op.batch_alter_table("model_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_rows_status"))
        batch_op.drop_index(batch_op.f("ix_model_rows_paper_id"))
    op.drop_table("model_rows")
