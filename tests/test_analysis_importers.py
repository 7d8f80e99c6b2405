"""Importing curated datasets: CSV quirks, clear errors that store nothing, idempotent re-runs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Observation
from pipeline.errors import UserError
from pipeline.sources.curated import (
    FUTURETECH,
    duration_cell,
    epoch_benchmark,
    import_epoch,
    import_futuretech,
    number_cell,
)
from tests.support.futuretech_csv import imagenet_rows, write_imagenet


def test_numbers_and_durations_as_the_authors_wrote_them() -> None:
    assert number_cell("2.4E+23") == 2.4e23
    assert number_cell(" 1,280,000 ") == 1_280_000
    assert number_cell("N/A") is None and number_cell("") is None
    with pytest.raises(ValueError):
        number_cell("about 3")
    assert duration_cell("6 days") == 6 * 86400
    assert duration_cell("27hrs 40mins") == 27 * 3600 + 40 * 60
    assert duration_cell("6 hours and 12 sec") == 6 * 3600 + 12
    assert duration_cell("3.5days") == 3.5 * 86400
    assert duration_cell("24 hours 21 min") == 24 * 3600 + 21 * 60
    assert number_cell("76.3%") == 76.3 and number_cell("25M") == 25e6  # as extractors read them
    with pytest.raises(ValueError):
        duration_cell("9.13E+20")
    with pytest.raises(ValueError):
        duration_cell("10 GPU days")  # compute, not time


def test_futuretech_import_handles_the_quirks(session: Session, tmp_path: Path) -> None:
    rows = imagenet_rows()
    write_imagenet(tmp_path / "data", rows)
    counts = import_futuretech(session, tmp_path, progress=False)
    assert counts.inserted == len(rows)  # the three secondary header rows are not models
    obs = {o.model: o for o in session.scalars(select(Observation))}
    alexnet, first_flops = obs["AlexNet"], obs["Net-1"]
    assert alexnet.source == "futuretech" and alexnet.benchmark == "imagenet"
    assert alexnet.error == pytest.approx((100 - float(rows[0]["(TOP 1 score)"])) / 100)
    assert alexnet.ops_forward_pass == pytest.approx(2 * float(rows[0]["multiadds"]))
    assert first_flops.ops_forward_pass == pytest.approx(float(rows[1]["flops"]))
    assert alexnet.training_time_sec == 6 * 86400  # from the text, no seconds given
    assert alexnet.details["training_set_size"] == 1_280_000
    assert alexnet.arxiv_id == "1700.00000" and alexnet.published.year == 2012


def test_futuretech_reimport_is_idempotent_and_updates_in_place(
    session: Session, tmp_path: Path
) -> None:
    rows = imagenet_rows()
    write_imagenet(tmp_path, rows)
    import_futuretech(session, tmp_path, progress=False)
    ids = sorted(session.scalars(select(Observation.id)))
    again = import_futuretech(session, tmp_path, progress=False)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))
    rows[3]["(TOP 1 score)"] = "80.00"
    write_imagenet(tmp_path, rows)
    changed = import_futuretech(session, tmp_path, progress=False)
    assert (changed.inserted, changed.updated) == (0, 1)
    assert sorted(session.scalars(select(Observation.id))) == ids


def test_a_malformed_number_names_file_line_and_column_and_stores_nothing(
    session: Session, tmp_path: Path
) -> None:
    rows = imagenet_rows()
    rows[5]["network_operations"] = "lots"
    path = write_imagenet(tmp_path, rows)
    with pytest.raises(UserError) as err:
        import_futuretech(session, tmp_path, progress=False)
    message = str(err.value)
    assert f"{path}:" in message and "network_operations" in message and "'lots'" in message
    assert ":10:" in message  # header + 3 secondary headers + 6th data row
    assert session.scalar(select(func.count()).select_from(Observation)) == 0


def test_rows_without_the_regressed_score_are_skipped_and_counted(
    session: Session, tmp_path: Path
) -> None:
    rows = imagenet_rows()
    rows[2]["(TOP 1 score)"] = ""
    write_imagenet(tmp_path, rows)
    counts = import_futuretech(session, tmp_path, progress=False)
    assert counts.inserted == len(rows) - 1
    assert counts.skipped == {"rows without the regressed score": 1}


def test_not_a_futuretech_directory(session: Session, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="none of the FutureTech CSVs"):
        import_futuretech(session, tmp_path, progress=False)
    (tmp_path / FUTURETECH[0].filename).write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="not a FutureTech leaderboard"):
        import_futuretech(session, tmp_path, progress=False)


EPOCH_HEADER = [
    "System", "Domain", "Task", "Organization(s)", "Publication date", "Reference", "Link",
    "Parameters", "Training compute (FLOPs)", "Training dataset",
    "Training dataset size (datapoints)", "Inference compute (FLOPs)",
    "Equivalent training time (hours)", "Training cost (2020 USD)",
]  # fmt: skip


def write_epoch(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EPOCH_HEADER)
        writer.writerows(rows)
    return path


def test_epoch_import_keeps_our_benchmarks_as_compute_only_rows(
    session: Session, tmp_path: Path
) -> None:
    path = write_epoch(
        tmp_path / "pcd.csv",
        [
            ["ResNet-152", "Vision", "Image classification", "Microsoft", "10/12/2015", "Deep",
             "https://arxiv.org/abs/1512.03385", "6.00E+07", "1.2E+19", "ILSVRC 2012",
             "1.20E+06", "2.26E+10", "N/A", ""],
            ["Theseus", "Other", "Maze solving", "Bell Labs", "02/07/1950", "Mouse", "", "4.00E+01",
             "4.0E+01", "", "", "", "", ""],
            ["YOLOv3", "Vision", "Object detection", "UW", "08/04/2018", "YOLO", "", "", "5.1E+19",
             "ImageNet", "", "", "", ""],
        ],
    )  # fmt: skip
    counts = import_epoch(session, path, progress=False)
    assert counts.inserted == 1 and counts.skipped == {"rows on other tasks or datasets": 2}
    obs = session.scalars(select(Observation)).one()
    assert (obs.source, obs.benchmark, obs.error, obs.arxiv_id) == (
        "epoch", "imagenet", None, "1512.03385",
    )  # fmt: skip
    assert obs.network_operations == 1.2e19 and obs.ops_forward_pass == 2.26e10
    assert obs.published.isoformat() == "2015-12-10"
    assert import_epoch(session, path, progress=False).unchanged == 1


def test_epoch_bad_date_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    path = write_epoch(
        tmp_path / "pcd.csv",
        [["X", "Vision", "Image classification", "", "2015-12-10", "", "", "", "", "ImageNet",
          "", "", "", ""]],
    )  # fmt: skip
    with pytest.raises(UserError, match=r"pcd\.csv:2: publication date"):
        import_epoch(session, path, progress=False)


def test_epoch_benchmark_mapping_needs_dataset_and_task_to_agree() -> None:
    assert epoch_benchmark("Imagenet-1k", "") == "imagenet"
    assert epoch_benchmark("MS COCO", "Object detection") == "coco"
    assert epoch_benchmark("ImageNet", "Object detection") is None
    assert epoch_benchmark("WMT'14", "Translation") is None  # language pair unknown


def test_crosscheck_pairs_the_same_paper_and_model_only(session: Session) -> None:
    from pipeline.analysis.crosscheck import compare

    def obs(source: str, key: str, model: str, arxiv_id: str, **compute: float) -> Observation:
        return Observation(
            source=source, source_key=key, benchmark="imagenet", model=model, arxiv_id=arxiv_id,
            error=None if source == "epoch" else 0.2, **compute,
        )  # fmt: skip

    session.add_all(
        [
            obs("epoch", "1", "ResNet-152 (ImageNet)", "1512.03385", ops_forward_pass=2.26e10),
            obs("futuretech", "1", "ResNet-152", "1512.03385", ops_forward_pass=1.13e10),
            obs("futuretech", "2", "ResNet-50", "1512.03385", ops_forward_pass=3.8e9),
            obs("epoch", "2", "SENet (ImageNet)", "1709.01507", parameters=2.8e7),
            obs("futuretech", "3", "Inception ResNet V2 (SENet)", "1709.01507", parameters=6e7),
        ]
    )
    session.flush()
    (only,) = compare(session, "epoch", "futuretech")
    assert (only.arxiv_id, only.measure, only.reference_model) == (
        "1512.03385", "ops_forward_pass", "ResNet-152",
    )  # fmt: skip
    assert only.log10_ratio == pytest.approx(np.log10(2))  # multiply-adds counted as FLOPs
