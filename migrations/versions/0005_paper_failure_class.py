"""papers.failure_class and papers.pages_in_pdf: whose fault a failure is; truncated papers

``failure_class`` says whether a failed paper failed by its input's fault or the environment's
(a full disk, a permission, the database); the next run retries the environmental ones.
``pages_in_pdf`` beside ``page_count`` (pages read) marks papers CTRENDS_PDF_MAX_PAGES cut
short, which are extracted again when the limit allows more. Rows from before stay NULL
(unknown): a failure without a class is treated as the input's, as it was before.

Revision ID: 0005_paper_failure_class
Revises: 0004_fact_extracted_values
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_paper_failure_class"
down_revision: str | None = "0004_fact_extracted_values"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_class", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pages_in_pdf", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.drop_column("pages_in_pdf")
        batch_op.drop_column("failure_class")
