"""Backup and restore: the whole database as a portable, engine-independent archive.

A backup is a zip file holding ``manifest.json`` (format, schema revision, row counts) and one
``tables/<name>.jsonl`` per table, one JSON object per row. Values are written by column type, not
by engine: timestamps as ISO 8601 in UTC, dates as ISO dates, JSON columns as JSON. So a backup of
a SQLite database restores into PostgreSQL and back.

Tables are read by reflection, not from the current models, so a backup records the schema of the
database it was taken from. Restoring needs an empty database: it is migrated to the backup's
revision, the rows are inserted in foreign-key order in one transaction, sequences are moved past
the restored ids (PostgreSQL), and the schema is then upgraded to the current head, so a backup
taken by an older release comes back through the same migrations as a live database would.

Archive member names are never used as paths: only the members the manifest names are read, from
memory, so a hostile archive cannot write anywhere.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, insert, select, text
from sqlalchemy.types import Date, DateTime

from db import migrate
from db.session import get_engine
from pipeline.errors import UserError

FORMAT = "ctrends-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
INSERT_BATCH = 500


class BackupError(UserError):
    """A backup cannot be written or restored; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str
    rows: dict[str, int]


def _reflect(connection: Connection) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


def portable_value(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _load_value(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value).astimezone(UTC)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    return value


def _member(table: str) -> str:
    return f"tables/{table}.jsonl"


def backup(path: Path, url: str | None = None) -> BackupSummary:
    """Write every table of the database at ``url`` to the archive ``path`` (atomically)."""
    revision = migrate.current_revision(url)
    if revision is None:
        raise BackupError("the database has no schema yet: nothing to back up")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    rows: dict[str, int] = {}
    try:
        # One read transaction: the tables are a consistent snapshot even while a run writes.
        with (
            get_engine(url).connect() as connection,
            connection.begin(),
            zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            for table in _reflect(connection):
                rows[table.name] = _write_table(connection, table, archive)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "revision": revision,
                "dialect": connection.dialect.name,
                "created_at": datetime.now(UTC).isoformat(),
                "tables": rows,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupSummary(path, revision, rows)


def _write_table(connection: Connection, table: Table, archive: zipfile.ZipFile) -> int:
    count = 0
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=INSERT_BATCH).execute(
        select(table).order_by(*order)
    )
    with archive.open(_member(table.name), "w") as out:
        for row in result.mappings():
            record = {name: portable_value(value) for name, value in row.items()}
            out.write(json.dumps(record, ensure_ascii=False, allow_nan=True).encode() + b"\n")
            count += 1
    return count


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as exc:
        raise BackupError("not a compute-trends backup (no manifest.json)") from exc
    except ValueError as exc:
        raise BackupError(f"damaged backup: manifest.json is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a compute-trends backup (wrong format in manifest.json)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"backup format version {manifest.get('format_version')} unsupported")
    if not isinstance(manifest.get("revision"), str) or not isinstance(
        manifest.get("tables"), dict
    ):
        raise BackupError("damaged backup: manifest.json lacks a revision or table list")
    return manifest


def restore(path: Path, url: str | None = None) -> BackupSummary:
    """Load the archive ``path`` into the (empty) database at ``url``, then upgrade to head."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{path.name}: not a backup archive ({exc})") from exc
    with archive:
        manifest = read_manifest(archive)
        revision = manifest["revision"]
        _check_empty(url)
        try:
            _migrate_to(url, revision)
        except Exception as exc:  # alembic: unknown revision, i.e. a newer release's backup
            raise BackupError(
                f"cannot restore a backup at schema revision {revision!r}: {exc}"
            ) from exc
        rows = _load_tables(archive, manifest["tables"], url)
    migrate.upgrade(url)
    return BackupSummary(path, revision, rows)


def _migrate_to(url: str | None, revision: str) -> None:
    """Bring the empty database to exactly the backup's revision (down from head if need be)."""
    current = migrate.current_revision(url)
    if current is None:
        migrate.upgrade(url, revision)
    elif current != revision:
        migrate.downgrade(url, revision)


def _check_empty(url: str | None) -> None:
    with get_engine(url).connect() as connection:
        for table in _reflect(connection):
            if connection.scalar(select(func.count()).select_from(table)):
                raise BackupError(
                    f"the database is not empty (table {table.name} has rows); restore needs "
                    "an empty database: point CTRENDS_DATABASE_URL at a new one"
                )


def _load_tables(archive: zipfile.ZipFile, expected: dict[str, Any], url: str | None) -> dict:
    rows: dict[str, int] = {}
    with get_engine(url).begin() as connection:
        tables = {t.name: t for t in _reflect(connection)}
        unknown = sorted(set(expected) - set(tables))
        if unknown:
            raise BackupError(f"the backup has tables this schema lacks: {', '.join(unknown)}")
        for table in tables.values():  # foreign-key order
            if table.name not in expected:
                continue
            rows[table.name] = _insert_rows(connection, table, _rows(archive, table))
            if rows[table.name] != expected[table.name]:
                raise BackupError(
                    f"damaged backup: {table.name} has {rows[table.name]} rows, "
                    f"the manifest says {expected[table.name]}"
                )
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection, list(tables.values()))
    return rows


def _rows(archive: zipfile.ZipFile, table: Table) -> Iterator[dict[str, Any]]:
    try:
        handle = archive.open(_member(table.name))
    except KeyError as exc:
        raise BackupError(f"damaged backup: {_member(table.name)} is missing") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise BackupError(f"damaged backup: {table.name} line {number}: {exc}") from exc
            extra = set(record) - set(table.columns.keys())
            if extra:
                raise BackupError(
                    f"damaged backup: {table.name} line {number} has unknown columns "
                    f"{sorted(extra)}"
                )
            yield {
                name: _load_value(table.columns[name].type, value) for name, value in record.items()
            }


def _insert_rows(connection: Connection, table: Table, records: Iterator[dict[str, Any]]) -> int:
    count = 0
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == INSERT_BATCH:
            connection.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Explicit ids do not advance PostgreSQL's sequences; move each past its table's max id."""
    for table in tables:
        if "id" not in table.columns:
            continue
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        )
        if sequence:
            top = connection.scalar(select(func.max(table.c.id))) or 0
            connection.execute(
                text("SELECT setval(:seq, :next, false)"), {"seq": sequence, "next": top + 1}
            )
