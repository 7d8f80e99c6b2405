"""Backup and restore: the whole database as a portable, engine-independent archive.

A backup is a zip file holding ``manifest.json`` (format, schema revision, row count and SHA-256
digest of each table) and one ``tables/<name>.jsonl`` per table, one JSON object per row. Values
are written by column type, not by engine: timestamps as ISO 8601 in UTC, dates as ISO dates, JSON
columns as the text of their JSON document (so a SQL NULL, written ``null``, stays apart from a
stored JSON ``null``, written ``"null"``). So a backup of a SQLite database restores into
PostgreSQL and back, and ``WHERE fact_ids IS NULL`` counts the same rows before and after.
Only standard JSON is written: a NaN or infinite number in a row fails the backup, naming it.

Tables are read by reflection, not from the current models, so a backup records the schema of the
database it was taken from. Restoring needs an empty database: it is migrated to the backup's
revision, the rows are inserted in foreign-key order in one transaction, sequences are moved past
the restored ids (PostgreSQL), and the schema is then upgraded to the current head, so a backup
taken by an older release comes back through the same migrations as a live database would.

Restore trusts nothing in the archive. The manifest must list every table of its revision's
schema (a backup without ``review_events`` would restore an empty audit trail); each table's
bytes must match the manifest's digest (an edited row is refused); every value must fit its
column (type, length, a closed vocabulary such as a fact's ``status``; no NaN or Infinity). Any
refusal rolls the whole restore back. Members are streamed line by line, at most
``MAX_LINE_BYTES`` a line, so a small archive that inflates to one huge line is refused with
bounded memory. Member names are never used as paths: only the members the manifest names are
read, so a hostile archive cannot write anywhere.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    func,
    insert,
    null,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import Date, DateTime

from db import migrate
from db.session import get_engine
from extractors.atomic import atomic_path, remove_stale_partials
from extractors.facts import FLOPS_KINDS, KINDS
from pipeline.errors import UserError
from pipeline.review import STATUSES

FORMAT = "ctrends-backup"
# 2: per-table SHA-256 digests, JSON columns as their document's text (SQL NULL kept apart)
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
INSERT_BATCH = 500
MAX_LINE_BYTES = 32 << 20  # one row; the largest real rows (run summaries) are a few hundred KiB
MAX_MANIFEST_BYTES = 1 << 20
# Columns whose values come from a closed vocabulary the code defines (checked on restore).
CLOSED_VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("facts", "status"): STATUSES,
    ("facts", "kind"): KINDS,
    ("facts", "flops_kind"): FLOPS_KINDS,
}


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _strict_json(document: str | bytes) -> Any:
    """``json.loads`` without the NaN/Infinity extension Python's json accepts by default."""
    return json.loads(document, parse_constant=_reject_constant)


def _member(table: str) -> str:
    return f"tables/{table}.jsonl"


def backup(path: Path, url: str | None = None) -> BackupSummary:
    """Write every table of the database at ``url`` to the archive ``path`` (atomically)."""
    revision = migrate.current_revision(url)
    if revision is None:
        raise BackupError("the database has no schema yet: nothing to back up")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path.parent, path)
    rows: dict[str, int] = {}
    digests: dict[str, str] = {}
    # One read transaction: the tables are a consistent snapshot even while a run writes.
    with (
        atomic_path(path) as tmp,
        get_engine(url).connect() as connection,
        connection.begin(),
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for table in _reflect(connection):
            rows[table.name], digests[table.name] = _write_table(connection, table, archive)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "revision": revision,
            "dialect": connection.dialect.name,
            "created_at": datetime.now(UTC).isoformat(),
            "tables": rows,
            "sha256": digests,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return BackupSummary(path, revision, rows)


def _write_table(connection: Connection, table: Table, archive: zipfile.ZipFile) -> tuple[int, str]:
    count = 0
    digest = hashlib.sha256()
    order = list(table.primary_key.columns) or list(table.columns)
    # JSON columns are read as their text: the driver would turn SQL NULL and JSON null alike
    # into None.
    columns = [
        cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c for c in table.columns
    ]
    result = connection.execution_options(yield_per=INSERT_BATCH).execute(
        select(*columns).order_by(*order)
    )
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    with archive.open(_member(table.name), "w") as out:
        for row in result.mappings():
            try:
                record = {
                    name: _json_text(value) if name in json_columns else portable_value(value)
                    for name, value in row.items()
                }
                line = json.dumps(record, ensure_ascii=False, allow_nan=False).encode() + b"\n"
            except ValueError as exc:
                raise BackupError(
                    f"{table.name} row {_row_label(table, dict(row))} holds a NaN or infinite "
                    f"number, which JSON cannot carry: correct it first ({exc})"
                ) from exc
            digest.update(line)
            out.write(line)
            count += 1
    return count, digest.hexdigest()


def _json_text(document: str | None) -> str | None:
    """One spelling of a JSON document, whichever engine stored it (PostgreSQL keeps the text as
    inserted, spaces and all)."""
    if document is None:
        return None
    return json.dumps(json.loads(document), ensure_ascii=False, allow_nan=False)


def _row_label(table: Table, record: dict[str, Any]) -> str:
    keys = [str(record.get(c.name)) for c in table.primary_key.columns]
    return "/".join(keys) or "?"


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError as exc:
        raise BackupError("not a compute-trends backup (no manifest.json)") from exc
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BackupError(f"damaged backup: manifest.json is larger than {MAX_MANIFEST_BYTES}")
    try:
        manifest = _strict_json(archive.read(info))
    except (ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"damaged backup: manifest.json is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a compute-trends backup (wrong format in manifest.json)")
    version = manifest.get("format_version")
    if version == 1:
        raise BackupError(
            "backup format 1 carries no integrity digests, so it cannot be checked: restore it "
            "with the release that wrote it, then take a new backup with this one"
        )
    if version != FORMAT_VERSION:
        raise BackupError(f"backup format version {version!r} unsupported")
    tables, digests = manifest.get("tables"), manifest.get("sha256")
    if (
        not isinstance(manifest.get("revision"), str)
        or not isinstance(tables, dict)
        or not isinstance(digests, dict)
    ):
        raise BackupError("damaged backup: manifest.json lacks a revision, table list or digests")
    if set(tables) != set(digests):
        raise BackupError("damaged backup: the manifest's row counts and digests name other tables")
    if not all(type(n) is int and n >= 0 for n in tables.values()):
        raise BackupError("damaged backup: the manifest's row counts are not counts")
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
        rows = _load_tables(archive, manifest, url)
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


def _load_tables(archive: zipfile.ZipFile, manifest: dict[str, Any], url: str | None) -> dict:
    expected: dict[str, int] = manifest["tables"]
    rows: dict[str, int] = {}
    with get_engine(url).begin() as connection:
        tables = {t.name: t for t in _reflect(connection)}
        unknown = sorted(set(expected) - set(tables))
        if unknown:
            raise BackupError(f"the backup has tables this schema lacks: {', '.join(unknown)}")
        left_out = sorted(set(tables) - set(expected))
        if left_out:
            raise BackupError(
                f"damaged backup: the manifest leaves out tables {', '.join(left_out)} of schema "
                f"revision {manifest['revision']}"
            )
        for table in tables.values():  # foreign-key order
            digest = hashlib.sha256()
            try:
                records = _rows(archive, table, digest.update)
                rows[table.name] = _insert_rows(connection, table, records)
            except SQLAlchemyError as exc:
                reason = " ".join(str(exc.orig if hasattr(exc, "orig") else exc).split())
                raise BackupError(f"damaged backup: {table.name}: {reason[:300]}") from exc
            if rows[table.name] != expected[table.name]:
                raise BackupError(
                    f"damaged backup: {table.name} has {rows[table.name]} rows, "
                    f"the manifest says {expected[table.name]}"
                )
            if digest.hexdigest() != manifest["sha256"][table.name]:
                raise BackupError(
                    f"damaged backup: {_member(table.name)} does not match its SHA-256 digest "
                    "(edited or corrupted)"
                )
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection, list(tables.values()))
    return rows


def _rows(
    archive: zipfile.ZipFile, table: Table, digest: Callable[[bytes], None]
) -> Iterator[dict[str, Any]]:
    """The rows of ``table``'s member as insert parameters, checked; streamed, and each line's
    bytes fed to ``digest``."""
    try:
        handle = archive.open(_member(table.name))
    except KeyError as exc:
        raise BackupError(f"damaged backup: {_member(table.name)} is missing") from exc
    loaders = {c.name: _loader(table.name, c.name, c.type) for c in table.columns}
    with handle:
        for number, line in enumerate(_lines(handle, table.name), start=1):
            digest(line)
            try:
                record = _strict_json(line)
                if not isinstance(record, dict):
                    raise ValueError("a row must be a JSON object")
            except ValueError as exc:
                raise BackupError(f"damaged backup: {table.name} line {number}: {exc}") from exc
            extra = set(record) - set(loaders)
            if extra:
                raise BackupError(
                    f"damaged backup: {table.name} line {number} has unknown columns "
                    f"{sorted(extra)}"
                )
            try:
                yield {name: loaders[name](value) for name, value in record.items()}
            except (ValueError, TypeError) as exc:
                raise BackupError(f"damaged backup: {table.name} line {number}: {exc}") from exc


def _lines(handle: IO[bytes], table: str) -> Iterator[bytes]:
    """The member's lines, none longer than ``MAX_LINE_BYTES`` (read no further than that)."""
    while True:
        try:
            line = handle.readline(MAX_LINE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # CRC mismatch, truncated
            raise BackupError(f"damaged backup: {_member(table)}: {exc}") from exc
        if not line:
            return
        if len(line) > MAX_LINE_BYTES:
            raise BackupError(
                f"damaged backup: {_member(table)} has a line longer than {MAX_LINE_BYTES} bytes"
            )
        yield line


def _loader(table: str, column: str, column_type: Any) -> Callable[[Any], Any]:
    """How one column's JSON value becomes an insert parameter, refusing what does not fit."""
    allowed = CLOSED_VOCABULARIES.get((table, column))
    # SQL NULL; a JSON column stores None as JSON null, so it is given SQL's NULL explicitly
    sql_null = null() if isinstance(column_type, JSON) else None

    def load(value: Any) -> Any:
        if value is None:
            return sql_null
        if allowed is not None and value not in allowed:
            raise ValueError(f"{column} {value!r} is not one of {', '.join(allowed)}")
        return _typed(column, column_type, value)

    return load


def _typed(column: str, column_type: Any, value: Any) -> Any:
    def wrong(kind: str) -> ValueError:
        return ValueError(f"{column} must be {kind}, not {value!r:.80}")

    if isinstance(column_type, JSON):
        if not isinstance(value, str):
            raise wrong("the text of a JSON document")
        document = _strict_json(value)
        return JSON.NULL if document is None else document
    if isinstance(column_type, Boolean):
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if isinstance(column_type, Integer):
        if type(value) is not int:
            raise wrong("an integer")
        return value
    if isinstance(column_type, Float):
        if type(value) not in (int, float) or not math.isfinite(value):
            raise wrong("a finite number")
        return value
    if isinstance(column_type, DateTime):
        if not isinstance(value, str):
            raise wrong("an ISO 8601 timestamp")
        return datetime.fromisoformat(value).astimezone(UTC)
    if isinstance(column_type, Date):
        if not isinstance(value, str):
            raise wrong("an ISO date")
        return date.fromisoformat(value)
    if isinstance(column_type, String):  # Text is a String
        if not isinstance(value, str):
            raise wrong("text")
        if column_type.length is not None and len(value) > column_type.length:
            raise ValueError(f"{column} is longer than {column_type.length} characters")
        return value
    return value


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
