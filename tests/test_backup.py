"""``ctrends backup`` / ``ctrends restore``: every row comes back, on either engine, from either."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db import migrate
from db.models import Fact, IngestRun, Observation, Paper, TrendFit
from db.session import get_engine, session_scope
from pipeline import review
from pipeline.backup import MANIFEST, MAX_LINE_BYTES, BackupError, backup, restore
from pipeline.cli import app
from tests.support.review_data import flops, paper, parameters, result, stored

HOSTILE = "'); DROP TABLE papers; -- <script>alert(1)</script> ünïcødé ✓"


def populate(session: Session) -> None:
    """A bit of everything: runs, papers, facts with decisions, observations, a fit."""
    run = IngestRun(
        source="arxiv",
        query="abs:ImageNet",
        benchmark="imagenet",
        window_start=datetime(2024, 5, 1, tzinfo=UTC),
        watermark=datetime(2024, 5, 30, 23, 59, 58, 123456, tzinfo=UTC),
        status="succeeded",
        summary={"failed": [{"paper": "2405.00003v1", "reason": "fetch: HTTP 404"}]},
    )
    session.add(run)
    session.flush()
    first = paper(session, title=HOSTILE, authors=["Ä. Author", "B. Author"], ingest_run_id=run.id)
    second = paper(session, arxiv_id="1706.03762", version=5, error=HOSTILE)
    facts = stored(session, first, [result(), result(model="VGG-16", value="71.5"), flops()])
    stored(session, second, [parameters(model=HOSTILE)], auto_accept=0.1)
    review.accept(session, facts[0].id, "alice")
    review.edit(session, facts[1].id, "bob", "71.6", "%", note="typo in the table")
    review.reject(session, facts[2].id, "alice")
    session.add(
        Observation(
            source="extracted",
            source_key="1512.03385v1/ResNet-50",
            benchmark="imagenet",
            metric="top1",
            model="ResNet-50",
            paper_id=first.id,
            published=date(2015, 12, 10),
            score=75.3,
            error=0.247,
            ops_forward_pass=7.6e9,
            fact_ids=[facts[0].id],
        )
    )
    session.add(Observation(source="epoch", source_key="GPT-3", benchmark="squad11", error=None))
    session.add(
        TrendFit(
            benchmark="imagenet",
            compute_measure="ops_forward_pass",
            form="poly",
            slope=-0.0836,
            intercept=0.1234567890123,
            r_squared=0.72,
            n=77,
            coefficients={"const": 0.12, "x": -0.08},
            observation_ids=[1],
        )
    )
    session.commit()


def archive_rows(path: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        return {
            name: archive.read(f"tables/{name}.jsonl").decode().splitlines()
            for name in manifest["tables"]
        }


@pytest.fixture
def populated(session: Session) -> Session:
    populate(session)
    return session


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A second, empty, migrated database on either engine: the restore target."""
    name = "_postgres_factory" if request.param == "postgresql" else "_sqlite_factory"
    factory = request.getfixturevalue(name)
    url, handle = factory.create()
    yield url
    factory.drop(handle)


def test_round_trip_to_either_engine_loses_nothing(
    populated: Session, ctrends_env: dict[str, str], empty_url: str, tmp_path: Path
) -> None:
    source = ctrends_env["CTRENDS_DATABASE_URL"]
    first = backup(tmp_path / "one.zip", source)
    assert first.rows["papers"] == 2 and first.rows["review_events"] >= 4
    assert first.revision == migrate.current_revision(source)

    restored = restore(tmp_path / "one.zip", empty_url)
    assert restored.rows == first.rows
    backup(tmp_path / "two.zip", empty_url)
    assert archive_rows(tmp_path / "two.zip") == archive_rows(tmp_path / "one.zip")

    with session_scope(empty_url) as s:
        assert s.scalar(select(Paper.title).where(Paper.arxiv_id == "1512.03385")) == HOSTILE
        edited = s.scalars(select(Fact).where(Fact.status == "edited")).one()
        assert edited.value == "71.6" and [e.action for e in edited.events] == ["edit"]
        # ids continue after the restored ones (PostgreSQL sequences are moved past them)
        added = paper(s, arxiv_id="2401.00001")
        assert added.id > s.scalar(select(func.min(Paper.id)))


def test_restore_into_a_database_without_schema(populated: Session, tmp_path: Path) -> None:

    archive = backup(tmp_path / "b.zip", str(populated.get_bind().url))
    blank = f"sqlite:///{tmp_path / 'blank.sqlite'}"
    restore(archive.path, blank)
    assert migrate.current_revision(blank) == archive.revision
    with get_engine(blank).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Fact.__table__)) == 4


def test_restore_refuses_a_database_with_rows(populated: Session, tmp_path: Path) -> None:
    url = str(populated.get_bind().url.render_as_string(hide_password=False))
    archive = backup(tmp_path / "b.zip", url)
    with pytest.raises(BackupError, match="not empty"):
        restore(archive.path, url)
    assert populated.scalar(select(func.count()).select_from(Paper)) == 2


def _rewrite(source: Path, target: Path, **members: bytes | None) -> Path:
    """Copy an archive, replacing (bytes) or dropping (None) the named members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename not in members:
                new.writestr(info, old.read(info))
        for name, body in members.items():
            if body is not None:
                new.writestr(name, body)
    return target


def test_damaged_and_hostile_archives_are_refused_without_writing(
    populated: Session, ctrends_env: dict[str, str], empty_url: str, tmp_path: Path
) -> None:
    good = backup(tmp_path / "good.zip", ctrends_env["CTRENDS_DATABASE_URL"]).path
    manifest = json.loads(zipfile.ZipFile(good).read(MANIFEST))
    papers = zipfile.ZipFile(good).read("tables/papers.jsonl")
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"PK\x03\x04 this is not really a zip")
    slip = {"../../etc/passwd": 1}
    cases = {
        "not a backup archive": not_zip,
        "no manifest": _rewrite(good, tmp_path / "a.zip", **{MANIFEST: None}),
        "tables/papers.jsonl is missing": _rewrite(
            good, tmp_path / "b.zip", **{"tables/papers.jsonl": None}
        ),
        "papers has 1 rows": _rewrite(
            good, tmp_path / "c.zip", **{"tables/papers.jsonl": papers.splitlines()[0]}
        ),
        "tables this schema lacks": _rewrite(
            good,
            tmp_path / "d.zip",
            **{
                MANIFEST: json.dumps(
                    {
                        **manifest,
                        "tables": {"../../etc/passwd": 1},
                        "sha256": {"../../etc/passwd": ""},
                    }
                ).encode()
            },
        ),
        "unknown columns": _rewrite(
            good,
            tmp_path / "e.zip",
            **{"tables/papers.jsonl": papers.replace(b'"title"', b'"title; DROP TABLE x"', 1)},
        ),
        "schema revision": _rewrite(
            good,
            tmp_path / "f.zip",
            **{MANIFEST: json.dumps({**manifest, "revision": "9999_future"}).encode()},
        ),
    }
    for reason, archive in cases.items():
        with pytest.raises(BackupError, match=reason):
            restore(archive, empty_url)
        with session_scope(empty_url) as s:
            assert s.scalar(select(func.count()).select_from(Paper)) == 0, reason
    # zip-slip: a member named to escape the directory is never written anywhere (nor read)
    (tmp_path / "inner").mkdir()
    slip = _rewrite(good, tmp_path / "inner" / "g.zip", **{"../escaped.txt": b"x"})
    restore(slip, empty_url)
    assert not (tmp_path / "escaped.txt").exists()


def test_cli_backup_and_restore(
    populated: Session,
    ctrends_env: dict[str, str],
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    target = tmp_path / "nightly.zip"
    out = runner.invoke(app, ["backup", str(target)], catch_exceptions=False)
    tables = set(inspect(get_engine(ctrends_env["CTRENDS_DATABASE_URL"])).get_table_names())
    assert out.exit_code == 0
    assert f"14 rows in {len(tables - {'alembic_version'})} tables" in out.output
    monkeypatch.setenv("CTRENDS_DATABASE_URL", empty_url)
    out = runner.invoke(app, ["restore", str(target)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    with session_scope(empty_url) as s:
        assert s.scalar(select(func.count()).select_from(Fact)) == 4
    refused = runner.invoke(app, ["restore", str(target)])
    assert isinstance(refused.exception, BackupError)


def _resealed(source: Path, target: Path, table: str, body: bytes) -> Path:
    """Replace ``table``'s member and reseal the manifest (its digest and row count), as someone
    who knows the format would: only the values themselves can give the change away."""
    manifest = json.loads(zipfile.ZipFile(source).read(MANIFEST))
    manifest["sha256"][table] = hashlib.sha256(body).hexdigest()
    manifest["tables"][table] = len(body.splitlines())
    return _rewrite(
        source,
        target,
        **{f"tables/{table}.jsonl": body, MANIFEST: json.dumps(manifest).encode()},
    )


def test_restore_refuses_left_out_edited_and_out_of_vocabulary_rows(
    populated: Session, ctrends_env: dict[str, str], empty_url: str, tmp_path: Path
) -> None:
    good = backup(tmp_path / "good.zip", ctrends_env["CTRENDS_DATABASE_URL"]).path
    manifest = json.loads(zipfile.ZipFile(good).read(MANIFEST))
    facts = zipfile.ZipFile(good).read("tables/facts.jsonl")
    papers = zipfile.ZipFile(good).read("tables/papers.jsonl")
    assert b'"status": "rejected"' in facts and b'"confidence": ' in facts
    without_events = {
        **manifest,
        "tables": {k: v for k, v in manifest["tables"].items() if k != "review_events"},
        "sha256": {k: v for k, v in manifest["sha256"].items() if k != "review_events"},
    }
    first_fact = facts.split(b"\n")[0]
    confidence = re.search(rb'"confidence": [0-9.e-]+', first_fact)
    assert confidence
    cases = {
        "leaves out tables review_events": _rewrite(
            good,
            tmp_path / "a.zip",
            **{MANIFEST: json.dumps(without_events).encode(), "tables/review_events.jsonl": None},
        ),
        "does not match its SHA-256": _rewrite(
            good, tmp_path / "b.zip", **{"tables/papers.jsonl": papers.replace(b"DROP", b"DRIP")}
        ),
        "status 'hacked' is not one of": _resealed(
            good, tmp_path / "c.zip", "facts", facts.replace(b'"rejected"', b'"hacked"', 1)
        ),
        "NaN is not a number JSON allows": _resealed(
            good,
            tmp_path / "d.zip",
            "facts",
            facts.replace(confidence.group(), b'"confidence": NaN', 1),
        ),
        "Infinity is not a number JSON allows": _resealed(
            good,
            tmp_path / "e.zip",
            "facts",
            facts.replace(confidence.group(), b'"confidence": -Infinity', 1),
        ),
        "page must be an integer": _resealed(
            good,
            tmp_path / "f.zip",
            "facts",
            re.sub(rb'"page": \d+', b'"page": "2"', facts, count=1),
        ),
        "format 1 carries no integrity digests": _rewrite(
            good,
            tmp_path / "g.zip",
            **{MANIFEST: json.dumps({**manifest, "format_version": 1}).encode()},
        ),
    }
    for reason, archive in cases.items():
        with pytest.raises(BackupError, match=reason):
            restore(archive, empty_url)
        with session_scope(empty_url) as s:
            assert s.scalar(select(func.count()).select_from(Paper)) == 0, reason


def test_a_huge_line_is_refused_with_bounded_memory(
    populated: Session, ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    """A 200 KB archive whose papers member inflates to one 256 MiB line: refused at the line
    cap, without ever holding the line (the old reader built it whole, then parsed it)."""
    good = backup(tmp_path / "good.zip", ctrends_env["CTRENDS_DATABASE_URL"]).path
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != "tables/papers.jsonl":
                new.writestr(info, old.read(info))
        with new.open("tables/papers.jsonl", "w") as member:
            member.write(b'{"title": "')
            block = b"A" * (1 << 20)
            for _ in range(256):
                member.write(block)
            member.write(b'"}\n')
    assert bomb.stat().st_size < 2_000_000
    blank = f"sqlite:///{tmp_path / 'blank.sqlite'}"
    tracemalloc.start()
    try:
        with pytest.raises(BackupError, match="line longer than"):
            restore(bomb, blank)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_LINE_BYTES + (16 << 20), f"peak {peak >> 20} MiB"


def test_sql_null_and_json_null_both_survive(
    session: Session, ctrends_env: dict[str, str], empty_url: str, tmp_path: Path
) -> None:
    """SQL NULL in a JSON column came back as JSON ``null`` (514 observations with ``fact_ids IS
    NULL`` before, 0 after); a stored JSON ``null`` must stay one too."""
    source = ctrends_env["CTRENDS_DATABASE_URL"]
    session.add(Observation(source="epoch", source_key="no-facts", benchmark="imagenet"))
    session.add(Observation(source="epoch", source_key="with", benchmark="coco", fact_ids=[3]))
    session.commit()
    with get_engine(source).begin() as connection:  # a JSON null, as SQLAlchemy writes None
        connection.execute(
            Observation.__table__.insert(),
            {"source": "epoch", "source_key": "json-null", "benchmark": "coco", "details": None},
        )

    def nulls(url: str) -> tuple[int, int]:
        with get_engine(url).connect() as connection:
            sql_null = connection.scalar(
                text("SELECT count(*) FROM observations WHERE fact_ids IS NULL")
            )
            json_null = connection.scalar(
                text("SELECT count(*) FROM observations WHERE details IS NOT NULL")
            )
            return sql_null, json_null

    before = nulls(source)
    assert before == (2, 1)
    restore(backup(tmp_path / "b.zip", source).path, empty_url)
    assert nulls(empty_url) == before


def test_a_backup_refuses_to_write_non_standard_json(
    session: Session, ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    source = ctrends_env["CTRENDS_DATABASE_URL"]
    [fact] = stored(session, paper(session), [result()])
    fact.confidence = float("inf")
    session.commit()
    with pytest.raises(BackupError, match=r"facts row \d+ holds a NaN or infinite"):
        backup(tmp_path / "b.zip", source)
    assert not list(tmp_path.iterdir())  # neither the archive nor a temporary file
    if source.startswith("sqlite"):  # PostgreSQL's json type refuses NaN itself
        fact.confidence, fact.details = 0.5, {"score": float("nan")}
        session.commit()
        with pytest.raises(BackupError, match=r"facts row \d+ holds a NaN"):
            backup(tmp_path / "b.zip", source)


def test_stale_temporary_files_of_a_backup_are_removed(
    populated: Session, ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    stale, other = tmp_path / ".nightly.zip.x1y2.part", tmp_path / ".other.zip.x1y2.part"
    for leftover in (stale, other):
        leftover.write_bytes(b"half")
        os.utime(leftover, (time.time() - 86400, time.time() - 86400))
    backup(tmp_path / "nightly.zip", ctrends_env["CTRENDS_DATABASE_URL"])
    assert not stale.exists() and other.exists()  # only this target's own leftovers
