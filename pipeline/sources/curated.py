"""Importers for curated datasets: the authors' FutureTech CSVs and Epoch's compute database.

Both become ``observations`` with their source recorded (``futuretech``, ``epoch``), keyed so a
re-import updates rows in place. Reading is separate from writing: a file is parsed completely
(and a malformed number stops the import with file, line and column) before anything is stored,
and the store happens in one transaction, so bad input loses nothing.

FutureTech quirks handled (see the dataset's SOURCE.md): secondary header rows under the header
(the notebooks drop them with ``[3:]``; here any leading row without a numeric year is one),
numbers as strings (``2.4E+23``, ``1,280,000``), training time as text ("6 days") and seconds.
Numbers and durations are read by :mod:`extractors.units`, as the extractors read them; which
file and which Epoch rows are which benchmark is vocabulary data (``benchmarks.toml``).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from extractors.units import parse_duration_sum, parse_number
from extractors.vocabulary import vocabulary
from pipeline.errors import UserError
from pipeline.observation_store import UpsertCounts, upsert_observations
from pipeline.progress import progress_bar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leaderboard:
    """One FutureTech CSV: which benchmark it is and which score the authors regressed."""

    filename: str
    benchmark: str
    metric: str
    score_column: str


# The regressed score is the benchmark's primary metric.
FUTURETECH = tuple(
    Leaderboard(b.futuretech.file, b.id, b.primary_metric, b.futuretech.score_column)
    for b in vocabulary().benchmarks.values()
    if b.futuretech is not None
)
PHASES = ("pretraining", "training", "finetuning")
_MISSING = {"", "-", "na", "n/a", "nan", "none", "null", "?"}
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", re.IGNORECASE)


class BadValue(ValueError):
    pass


def number_cell(text: str | None) -> float | None:
    """A numeric cell (``'2.4E+23'``, ``'1,280,000'``, ``' 91.00 '``, ``'76.3%'``); blanks and
    N/A are None, anything else that is not a number is an error."""
    if text is None or text.strip().lower() in _MISSING:
        return None
    value = parse_number(text.strip().rstrip("%"))
    if value is None:
        raise BadValue(f"not a number: {text!r}")
    return value


def duration_cell(text: str | None) -> float | None:
    """Training time as the authors wrote it ("6 days", "27hrs 40mins") -> seconds."""
    if text is None or text.strip().lower() in _MISSING:
        return None
    seconds = parse_duration_sum(text)
    if seconds is None:
        raise BadValue(f"not a duration: {text!r}")
    return seconds


def arxiv_id_from_link(link: str | None) -> str | None:
    match = _ARXIV.search(link or "")
    return match.group(1) if match else None


def read_futuretech(path: Path, board: Leaderboard) -> Iterator[dict[str, Any]]:
    """Observation rows of one FutureTech CSV, data rows only, with their CSV line numbers."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"name", "year", board.score_column} - set(reader.fieldnames or ())
        if missing:
            raise UserError(f"{path}: not a FutureTech leaderboard (no {sorted(missing)} column)")
        in_header = True
        for record in reader:
            line = reader.line_num
            if in_header and not (record.get("year") or "").strip().isdigit():
                continue  # a secondary header row
            in_header = False
            try:
                yield _futuretech_row(record, board, path.name, line)
            except BadValue as exc:
                raise UserError(f"{path}:{line}: {exc}") from None


def _futuretech_row(record: dict[str, str], board: Leaderboard, file: str, line: int) -> dict:
    def number(column: str) -> float | None:
        try:
            return number_cell(record.get(column))
        except BadValue as exc:
            raise BadValue(f"column {column!r}: {exc}") from None

    name = record["name"].strip()
    year = int(record["year"])
    score = number(board.score_column)
    flops, multiadds = number("flops"), number("multiadds")
    seconds = {phase: _phase_seconds(record, phase) for phase in PHASES}
    known = [s for s in seconds.values() if s is not None]
    link = (record.get("paper_link") or "").strip() or None
    return {
        "source_key": f"{board.benchmark}:{name} ({year})",
        "benchmark": board.benchmark,
        "metric": board.metric,
        "model": name,
        "arxiv_id": arxiv_id_from_link(link),
        "published": date(year, 1, 1),
        "score": score,
        # the notebooks' error: (100 - score) / 100
        "error": None if score is None else (100 - score) / 100,
        "parameters": number("parameters"),
        # the notebooks' ops per forward pass: FLOPs, else multiply-adds x 2
        "ops_forward_pass": flops if flops is not None else (multiadds and multiadds * 2),
        "network_operations": number("network_operations"),
        "hardware_burden": number("hardware_burden"),
        "training_time_sec": sum(known) if known else None,
        "details": {
            "file": file,
            "line": line,
            "year": year,
            "published_precision": "year",
            "title": (record.get("title") or "").strip() or None,
            "paper_link": link,
            "flops": flops,
            "multiadds": multiadds,
            "epochs": number("training_epochs"),
            "training_set_size": number("training_set_size"),
            # per phase, as the authors summed them into network operations
            "phase_epochs": {phase: number(f"{phase}_epochs") for phase in PHASES},
            "phase_set_size": {phase: number(f"{phase}_set_size") for phase in PHASES},
            "phase_seconds": seconds,
            "training_time_text": {
                phase: text
                for phase in PHASES
                if (text := (record.get(f"{phase}_time_total") or "").strip())
            },
            "scores": {
                col: number(col)
                for col in record
                if col and col.startswith("(") and number(col) is not None
            },
        },
    }


def _phase_seconds(record: dict[str, str], phase: str) -> float | None:
    """Seconds if the authors computed them, otherwise parsed from their free text.

    The text column is notes, not data (one ImageNet row holds ``9.13E+20`` there), so text that
    is not a duration is logged and kept in ``details`` rather than stopping the import.
    """
    try:
        seconds = number_cell(record.get(f"{phase}_time_total_sec"))
    except BadValue as exc:
        raise BadValue(f"column {phase}_time_total_sec: {exc}") from None
    if seconds is not None:
        return seconds
    try:
        return duration_cell(record.get(f"{phase}_time_total"))
    except BadValue as exc:
        log.warning("%s: %s time ignored: %s", record.get("name"), phase, exc)
        return None


def futuretech_data_dir(directory: Path) -> Path:
    """Accept the dataset root (with ``data/``) or the ``data`` directory itself."""
    if (directory / "data").is_dir():
        directory = directory / "data"
    if not directory.is_dir():
        raise UserError(f"{directory} is not a directory")
    if not any((directory / board.filename).is_file() for board in FUTURETECH):
        names = ", ".join(b.filename for b in FUTURETECH)
        raise UserError(f"{directory} holds none of the FutureTech CSVs ({names})")
    return directory


def import_futuretech(session: Session, directory: Path, *, progress: bool = True) -> UpsertCounts:
    """Load every FutureTech leaderboard found in ``directory`` as ``futuretech`` observations."""
    data_dir = futuretech_data_dir(directory)
    boards = [b for b in FUTURETECH if (data_dir / b.filename).is_file()]
    rows: list[dict[str, Any]] = []
    skipped = 0
    with progress_bar("reading FutureTech CSVs", len(boards), progress) as advance:
        for board in boards:
            for row in read_futuretech(data_dir / board.filename, board):
                if row["error"] is None:
                    skipped += 1
                    log.info("skipped %s: no %s score", row["source_key"], board.score_column)
                    continue
                rows.append(row)
            advance(board.benchmark)
    counts = upsert_observations(session, "futuretech", rows)
    if skipped:
        counts.skipped["rows without the regressed score"] = skipped
    log.info("futuretech import from %s: %s", data_dir, counts)
    return counts


@dataclass(frozen=True)
class EpochBenchmark:
    """Which Epoch rows are one of our benchmarks: training dataset and task both agree."""

    benchmark: str
    dataset: re.Pattern[str]
    task: re.Pattern[str]


# Benchmarks without Epoch rows (the WMT 2014 pairs: Epoch names the dataset, not the pair) are
# left out.
EPOCH_BENCHMARKS = tuple(
    EpochBenchmark(b.id, b.epoch.dataset, b.epoch.task)
    for b in vocabulary().benchmarks.values()
    if b.epoch is not None
)
EPOCH_COLUMNS = ("System", "Publication date", "Training dataset", "Task", "Link")


def epoch_benchmark(dataset: str, task: str) -> str | None:
    for rule in EPOCH_BENCHMARKS:
        if rule.dataset.search(dataset) and (not task or rule.task.search(task)):
            return rule.benchmark
    return None


def read_epoch(path: Path) -> Iterator[dict[str, Any] | None]:
    """Observation rows of Epoch's CSV; None for a row that is not one of our benchmarks."""
    if not path.is_file():
        raise UserError(f"{path} is not a file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(EPOCH_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise UserError(f"{path}: not Epoch's compute database (no {sorted(missing)} column)")
        for record in reader:
            try:
                yield _epoch_row(record, reader.line_num)
            except BadValue as exc:
                raise UserError(f"{path}:{reader.line_num}: {exc}") from None


def _epoch_row(record: dict[str, str], line: int) -> dict[str, Any] | None:
    def number(column: str) -> float | None:
        try:
            return number_cell(record.get(column))
        except BadValue as exc:
            raise BadValue(f"column {column!r}: {exc}") from None

    dataset = (record.get("Training dataset") or "").strip()
    task = (record.get("Task") or "").strip()
    benchmark = epoch_benchmark(dataset, task)
    if benchmark is None:
        return None
    text = (record.get("Publication date") or "").strip()
    try:
        published = datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise BadValue(f"publication date {text!r} is not DD/MM/YYYY") from None
    name = (record.get("System") or "").strip() or (record.get("Reference") or "").strip()
    hours = number("Equivalent training time (hours)")
    link = (record.get("Link") or "").strip() or None
    return {
        "source_key": f"{benchmark}:{name} ({published.isoformat()})",
        "benchmark": benchmark,
        "metric": None,
        "model": name,
        "arxiv_id": arxiv_id_from_link(link),
        "published": published,
        "score": None,
        "error": None,  # Epoch records compute, not benchmark scores
        "parameters": number("Parameters"),
        # Epoch's training compute counts the operations of training, as network operations do;
        # its inference compute is the operations of one forward pass.
        "ops_forward_pass": number("Inference compute (FLOPs)"),
        "network_operations": number("Training compute (FLOPs)"),
        "hardware_burden": None,
        "training_time_sec": None if hours is None else hours * 3600,
        "details": {
            "line": line,
            "domain": (record.get("Domain") or "").strip() or None,
            "task": task or None,
            "training_dataset": dataset,
            "training_dataset_size": number("Training dataset size (datapoints)"),
            "organization": (record.get("Organization(s)") or "").strip() or None,
            "reference": (record.get("Reference") or "").strip() or None,
            "link": link,
            "training_cost_usd_2020": number("Training cost (2020 USD)"),
        },
    }


def import_epoch(session: Session, path: Path, *, progress: bool = True) -> UpsertCounts:
    """Load Epoch's rows on our benchmarks as compute-only ``epoch`` observations."""
    rows: list[dict[str, Any]] = []
    other = 0
    with progress_bar("reading Epoch CSV", None, progress) as advance:
        for row in read_epoch(path):
            if row is None:
                other += 1
            else:
                rows.append(row)
                advance(row["source_key"])
    counts = upsert_observations(session, "epoch", rows)
    if other:
        counts.skipped["rows on other tasks or datasets"] = other
    log.info("epoch import from %s: %s", path, counts)
    return counts
