"""The analysis commands, run as a user would, on imported and on extracted data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from db.models import Fact, Paper, TrendFit
from db.session import session_scope
from pipeline.cli import app
from pipeline.errors import UserError
from tests.support.futuretech_csv import imagenet_rows, write_imagenet

runner = CliRunner()
CONTRACT = (
    "benchmark", "metric", "compute_measure", "form", "variant", "slope", "intercept",
    "r_squared", "n", "fitted_at",
)  # fmt: skip


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


@pytest.fixture
def imported(ctrends_env: dict[str, str], tmp_path: Path) -> Path:
    write_imagenet(tmp_path / "futuretech" / "data", imagenet_rows())
    invoke("import", "futuretech", str(tmp_path / "futuretech"))
    invoke("fit")
    return tmp_path


def test_latest_history_and_data_on_imported_data(imported: Path) -> None:
    latest = json.loads(invoke("trends", "latest", "--benchmark", "imagenet", "--format", "json"))
    assert latest and all(set(CONTRACT) <= set(row) for row in latest)
    assert {row["observation_source"] for row in latest} == {"futuretech"}
    ols = [
        r for r in latest if r["variant"] == "ols" and r["compute_measure"] == "network_operations"
    ]
    assert {r["form"] for r in ols} == {"poly", "exp"}

    csv_out = invoke("trends", "latest", "--variant", "ols", "--format", "csv")
    assert csv_out.splitlines()[0].startswith("benchmark,metric,compute_measure,form,variant")
    everything = json.loads(invoke("trends", "latest", "--format", "json"))
    assert f"latest fits ({len(everything)})" in invoke("trends", "latest")

    history = json.loads(invoke("trends", "history", "--benchmark", "imagenet", "-f", "json"))
    assert {r["variant"] for r in history} == {"ols"}

    poly = next(r for r in ols if r["form"] == "poly")
    used = json.loads(invoke("trends", "data", str(poly["id"]), "--format", "json"))
    assert len(used) == poly["n"] and all(r["network_operations"] for r in used)


def test_extrapolate_gives_flops_dollars_and_co2_with_intervals(imported: Path) -> None:
    rows = json.loads(
        invoke(
            "trends", "extrapolate", "--benchmark", "imagenet", "--target-error", "0.05",
            "--measure", "network_operations", "--format", "json",
        )
    )  # fmt: skip
    assert {r["form"] for r in rows} == {"poly", "exp"}
    for row in rows:
        assert row["flops_lo"] < row["flops"] < row["flops_hi"]
        assert row["usd"] > 0 and row["kg_co2"] > 0
    cheaper = json.loads(
        invoke(
            "trends", "extrapolate", "--benchmark", "imagenet", "--target-error", "0.05",
            "--measure", "network_operations", "--usd-per-device-hour", "1.53", "-f", "json",
        )
    )  # fmt: skip
    assert cheaper[0]["usd"] == pytest.approx(rows[0]["usd"] / 2)
    bad = runner.invoke(app, ["trends", "extrapolate", "--benchmark", "imagenet",
                              "--target-error", "0.05", "--variant", "year"])  # fmt: skip
    assert isinstance(bad.exception, UserError) and "year" in str(bad.exception)


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_plot_writes_png_and_svg(imported: Path, suffix: str, magic: bytes) -> None:
    out = imported / f"figure{suffix}"
    invoke(
        "trends", "plot", "--benchmark", "imagenet", "--measure", "network_operations",
        "--target-error", "0.05", "--output", str(out),
    )  # fmt: skip
    assert out.read_bytes().startswith(magic)


def test_bad_requests_are_user_errors(imported: Path) -> None:
    out = runner.invoke(app, ["trends", "plot", "--benchmark", "imagenet", "--output", "x.pdf"])
    assert isinstance(out.exception, UserError)
    out = runner.invoke(app, ["trends", "plot", "--benchmark", "coco"])
    assert isinstance(out.exception, UserError) and "coco" in str(out.exception)
    out = runner.invoke(app, ["fit", "--form", "cubic"])
    assert isinstance(out.exception, UserError) and "cubic" in str(out.exception)


def test_backtest_reports_per_benchmark(imported: Path) -> None:
    rows = json.loads(invoke("trends", "backtest", "--cutoff", "2015", "--format", "json"))
    assert rows and {r["benchmark"] for r in rows} == {"imagenet"}
    assert all(r["cutoff"] == 2015 and r["n_train"] >= 3 for r in rows)


def test_import_errors_are_one_line_user_errors(
    ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    out = runner.invoke(app, ["import", "futuretech", str(tmp_path)])
    assert isinstance(out.exception, UserError)
    out = runner.invoke(app, ["import", "epoch", str(tmp_path / "missing.csv")])
    assert isinstance(out.exception, UserError)
    out = runner.invoke(app, ["trends", "extrapolate", "--benchmark", "imagenet",
                              "--target-error", "0.05"])  # fmt: skip
    assert isinstance(out.exception, UserError) and "no observations" in str(out.exception)


def test_fit_and_trends_on_extracted_data(ctrends_env: dict[str, str], tmp_path: Path) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    with session_scope(url) as session:
        for i in range(5):
            paper = Paper(
                arxiv_id=f"1{i}00.00001", version=1, source="local", status="extracted",
                published=datetime(2014 + i, 6, 1, tzinfo=UTC),
            )  # fmt: skip
            session.add(paper)
            session.flush()
            flops = 10 ** (9 + 0.5 * i)
            for kind, extra in (
                ("result", {"benchmark": "imagenet", "metric": "top1", "value": "75",
                            "error": 0.4 * flops**-0.05}),
                ("flops", {"normalized": flops}),
            ):  # fmt: skip
                session.add(
                    Fact(
                        fact_key=f"{i}{kind}", paper_id=paper.id, kind=kind, model="Net",
                        extractor="t", extractor_version="1", status="accepted",
                        **{"value": "1", **extra},
                    )
                )  # fmt: skip
    invoke("fit")
    latest = json.loads(
        invoke("trends", "latest", "--source", "extracted", "--variant", "ols", "-f", "json")
    )
    poly = next(r for r in latest if r["form"] == "poly")
    assert poly["compute_measure"] == "ops_forward_pass" and poly["n"] == 5
    assert poly["slope"] == pytest.approx(-0.05)
    with session_scope(url) as session:
        fit = session.scalars(select(TrendFit).where(TrendFit.id == poly["id"])).one()
        assert fit.observation_source == "extracted"
    out = tmp_path / "extracted.svg"
    invoke("trends", "plot", "--benchmark", "imagenet", "--measure", "ops_forward_pass",
           "--output", str(out))  # fmt: skip
    assert out.stat().st_size > 0
