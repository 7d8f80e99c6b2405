"""observations.error optional: compute-only rows (Epoch's database has no error rates)

Revision ID: 0002_observation_error_optional
Revises: 0001_baseline
Create Date: 2026-11-22 03:40:00

Epoch's parameter/compute database records parameters and training compute but no benchmark
scores, so its observations have no error. Fits read only rows with an error.
Downgrading deletes those compute-only rows: the old schema cannot hold them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_observation_error_optional"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.alter_column("error", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM observations WHERE error IS NULL")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.alter_column("error", existing_type=sa.Float(), nullable=False)
