"""facts.extracted: the values the extractor last produced, apart from a curator's corrections

A curator's edit changes a fact's values; comparing a new extraction with the corrected values
would flag every edited fact again at every extractor version. The store compares with this
column instead.

Revision ID: 0004_fact_extracted_values
Revises: 0003_pipeline_runs
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_fact_extracted_values"
down_revision: str | None = "0003_pipeline_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extracted", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("facts", schema=None) as batch_op:
        batch_op.drop_column("extracted")
