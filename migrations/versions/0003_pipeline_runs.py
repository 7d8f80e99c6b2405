"""pipeline_runs: one row per nightly run with its summary (new papers, failures, facts, fits)

Revision ID: 0003_pipeline_runs
Revises: 0002_observation_error_optional
Create Date: 2026-11-22 04:00:00

A new table only; downgrading drops it (and the run history with it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_pipeline_runs"
down_revision: str | None = "0002_observation_error_optional"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(length=64), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("papers_new", sa.Integer(), nullable=False),
        sa.Column("papers_new_version", sa.Integer(), nullable=False),
        sa.Column("papers_extracted", sa.Integer(), nullable=False),
        sa.Column("papers_failed", sa.Integer(), nullable=False),
        sa.Column("facts_added", sa.Integer(), nullable=False),
        sa.Column("fits_changed", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pipeline_runs_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pipeline_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pipeline_runs_status"))
    op.drop_table("pipeline_runs")
