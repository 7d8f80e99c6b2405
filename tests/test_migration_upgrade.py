"""A database written by the first release upgrades to the current schema without losing rows.

The database is populated at the baseline revision through the tables as they were then
(reflected, not today's models), upgraded to head, and every row and every column that still
exists is compared. A later migration that drops or rewrites data fails here until the test says
where that data went.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, MetaData, insert, select

from db.migrate import current_revision, downgrade, upgrade
from db.session import get_engine
from pipeline.backup import portable_value

BASELINE = "0001_baseline"
T0 = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)

ROWS: dict[str, list[dict[str, Any]]] = {
    "ingest_runs": [
        {
            "id": 1,
            "source": "arxiv",
            "query": "abs:ImageNet",
            "benchmark": "imagenet",
            "window_start": T0,
            "watermark": T0,
            "status": "succeeded",
            "papers_seen": 2,
            "papers_new": 2,
            "papers_new_version": 0,
            "papers_failed": 0,
            "summary": {"failed": []},
            "started_at": T0,
        }
    ],
    "papers": [
        {
            "id": n,
            "arxiv_id": f"1512.0338{n}",
            "version": n,
            "title": f"Paper {n} ünïcødé",
            "authors": ["A", "B"],
            "categories": ["cs.CV"],
            "source": "arxiv",
            "pdf_sha256": "ab" * 32,
            "status": "extracted",
            "ingest_run_id": 1,
            "created_at": T0,
            "updated_at": T0,
        }
        for n in (1, 2)
    ],
    "facts": [
        {
            "id": n,
            "fact_key": f"key-{n}",
            "paper_id": 1 + n % 2,
            "kind": "result",
            "benchmark": "imagenet",
            "metric": "top1",
            "model": f"ResNet-{n}",
            "value": f"7{n}.5",
            "error": 0.25,
            "page": n,
            "bbox": [1.0, 2.0, 3.0, 4.0],
            "evidence": "reaches 75.5% top-1",
            "confidence": 0.5,
            "extractor": "results",
            "extractor_version": "1",
            "status": "accepted" if n == 1 else "pending",
            "auto_accepted": False,
            "needs_rereview": n == 3,
            "created_at": T0,
            "updated_at": T0,
        }
        for n in (1, 2, 3)
    ],
    "review_events": [
        {
            "id": 1,
            "fact_id": 1,
            "reviewer": "alice",
            "action": "accept",
            "before": {"status": "pending"},
            "after": {"status": "accepted"},
            "created_at": T0,
        }
    ],
    "observations": [
        {
            "id": 1,
            "source": "extracted",
            "source_key": "1512.03381v1/ResNet-1",
            "benchmark": "imagenet",
            "paper_id": 1,
            "published": date(2015, 12, 10),
            "error": 0.245,
            "ops_forward_pass": 7.6e9,
            "fact_ids": [1],
            "created_at": T0,
            "updated_at": T0,
        }
    ],
    "trend_fits": [
        {
            "id": 1,
            "benchmark": "imagenet",
            "compute_measure": "ops_forward_pass",
            "form": "poly",
            "variant": "ols",
            "observation_source": "extracted",
            "slope": -0.0836,
            "intercept": 0.5,
            "n": 77,
            "fitted_at": T0,
        }
    ],
}


def _tables(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return metadata


def _snapshot(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    metadata = _tables(connection)
    return {
        name: [
            {k: portable_value(v) for k, v in row.items()}
            for row in connection.execute(select(table).order_by(table.c.id)).mappings()
        ]
        for name, table in metadata.tables.items()
        if name in ROWS
    }


def test_upgrade_from_the_first_release_keeps_every_row(db_url: str) -> None:
    downgrade(db_url, "base")
    upgrade(db_url, BASELINE)
    engine = get_engine(db_url)
    with engine.begin() as connection:
        metadata = _tables(connection)
        for table in metadata.sorted_tables:
            if table.name in ROWS:
                connection.execute(insert(table), ROWS[table.name])
    with engine.connect() as connection:
        before = _snapshot(connection)
    assert {name: len(rows) for name, rows in before.items()} == {
        name: len(rows) for name, rows in ROWS.items()
    }

    upgrade(db_url)
    assert current_revision(db_url) != BASELINE
    with engine.connect() as connection:
        after = _snapshot(connection)
    for name, rows in before.items():
        assert len(after[name]) == len(rows), f"{name}: rows lost in the upgrade"
        for old, new in zip(rows, after[name], strict=True):
            lost = {k: v for k, v in old.items() if k not in new or new[k] != v}
            assert not lost, f"{name} id {old['id']}: values changed or dropped: {lost}"
