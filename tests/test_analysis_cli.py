"""The analysis commands, run as a user would, on imported and on extracted data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from db.models import TrendFit
from db.session import session_scope
from pipeline.cli import app
from pipeline.errors import UserError
from tests.support.extracted_facts import add_extracted_imagenet
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
    add_extracted_imagenet(url)
    invoke("fit")
    latest = json.loads(
        invoke("trends", "latest", "--source", "extracted", "--variant", "ols", "-f", "json")
    )
    poly = next(
        r for r in latest if r["form"] == "poly" and r["compute_measure"] == "ops_forward_pass"
    )
    assert poly["n"] == 5
    assert poly["slope"] == pytest.approx(-0.05)
    with session_scope(url) as session:
        fit = session.scalars(select(TrendFit).where(TrendFit.id == poly["id"])).one()
        assert fit.observation_source == "extracted"
    out = tmp_path / "extracted.svg"
    invoke("trends", "plot", "--benchmark", "imagenet", "--measure", "ops_forward_pass",
           "--output", str(out))  # fmt: skip
    assert out.stat().st_size > 0


@pytest.fixture
def both_sources(imported: Path, ctrends_env: dict[str, str]) -> Path:
    """12 FutureTech rows and 5 extracted ones on ImageNet (the extracted ones: no network ops)."""
    add_extracted_imagenet(ctrends_env["CTRENDS_DATABASE_URL"])
    invoke("fit")
    return imported


def test_trends_answers_with_one_headline_per_benchmark_and_every_source(
    both_sources: Path,
) -> None:
    """Finding 1: one answer per benchmark, the sources side by side, a reading, caveats."""
    (record,) = json.loads(invoke("trends", "summary", "--format", "json"))
    assert (record["benchmark"], record["measure"], record["form"], record["variant"]) == (
        "imagenet", "hardware_burden", "poly", "ols",
    )  # fmt: skip
    assert record["observation_source"] == "futuretech"  # 12 rows with an error beat 5
    head = record["headline"]
    assert head["key"] == "imagenet/hardware_burden/poly/ols/futuretech" and head["n"] == 6
    assert head["slope_ci95"][0] < head["slope"] < head["slope_ci95"][1]
    assert head["first_year"] <= head["last_year"]
    (other,) = record["other_sources"]
    assert other["observation_source"] == "extracted" and other["n"] == 5
    assert head["compute_per_halving"] == pytest.approx(2 ** (-1 / head["slope"]))
    assert "each halving of error costs about" in record["reading"]
    assert any("small N" in w for w in record["warnings"])
    table = invoke("trends")  # the group alone prints the same summary
    assert "futuretech *" in table and "extracted" in table and "reading:" in table
    assert "per benchmark, the source with the most observations" in " ".join(table.split())


def test_the_default_source_is_one_rule_per_benchmark_and_always_named(
    both_sources: Path,
) -> None:
    """Finding 2: extracted rows on ImageNet do not switch its commands to a source without the
    fits they had (FutureTech has more rows); every table and record names its source."""
    rows = json.loads(
        invoke("trends", "extrapolate", "--benchmark", "imagenet", "--target-error", "0.05",
               "--measure", "network_operations", "-f", "json")
    )  # fmt: skip
    assert rows and {r["observation_source"] for r in rows} == {"futuretech"}
    latest = json.loads(invoke("trends", "latest", "--benchmark", "imagenet", "-f", "json"))
    assert {r["observation_source"] for r in latest} == {"futuretech"}
    every = json.loads(invoke("trends", "latest", "--source", "all", "-f", "json"))
    assert {r["observation_source"] for r in every} == {"futuretech", "extracted"}
    for args in (
        ["trends", "latest", "--benchmark", "imagenet"],
        ["trends", "history", "--benchmark", "imagenet"],
        ["trends", "extrapolate", "--benchmark", "imagenet", "--target-error", "0.05"],
        ["trends", "backtest", "--benchmark", "imagenet"],
    ):
        out = " ".join(invoke(*args).split())  # the caption wraps at the terminal's width
        assert "source futuretech" in out and "the most observations" in out, (args, out)
    extracted = invoke("trends", "latest", "--benchmark", "imagenet", "--source", "extracted")
    assert "source extracted" in extracted and "as asked" in " ".join(extracted.split())


def test_trends_data_takes_a_stable_key(both_sources: Path) -> None:
    """Finding 4: the README's `trends data KEY` keeps working across refits."""
    key = "imagenet/network_operations/poly/ols/futuretech"
    rows = json.loads(invoke("trends", "data", key, "-f", "json"))
    invoke("fit")
    assert json.loads(invoke("trends", "data", key, "-f", "json")) == rows
    assert len(rows) == 12 and {r["source"] for r in rows} == {"futuretech"}
    out = runner.invoke(app, ["trends", "data", "imagenet/network_operations/poly/ols/epoch"])
    assert isinstance(out.exception, UserError) and "no fit" in str(out.exception)


@pytest.mark.parametrize(
    "args, word",
    [
        (["trends", "latest", "--benchmark", "imagenett"], "imagenet"),
        (["trends", "latest", "--variant", "bogus"], "variant"),
        (["trends", "latest", "--source", "bogus"], "source"),
        (["trends", "summary", "--source", "bogus"], "source"),
        (["trends", "latest", "--measure", "flops"], "measure"),
        (["trends", "history", "--benchmark", "imagenet", "--form", "cubic"], "form"),
        (["trends", "backtest", "--cutoff", "2030"], "2030"),
        (["trends", "extrapolate", "--benchmark", "coco", "--target-error", "0.05"], "coco"),
        (["papers", "--status", "bogus"], "status"),
        (["fit", "--source", "bogus"], "source"),
    ],
)
def test_typos_and_empty_answers_fail_in_one_line(
    imported: Path, args: list[str], word: str
) -> None:
    """Finding 5: a value outside the vocabulary (or a query with no answer) is a one-line
    error with a non-zero exit, not an empty table."""
    out = runner.invoke(app, args)
    assert isinstance(out.exception, UserError), (args, out.output)
    message = str(out.exception)
    assert word in message and "\n" not in message


def test_plot_without_points_is_an_error_and_writes_nothing(both_sources: Path) -> None:
    """Finding 5: extracted ImageNet rows have no network operations: no blank PNG."""
    out_file = both_sources / "blank.png"
    out = runner.invoke(
        app,
        ["trends", "plot", "--benchmark", "imagenet", "--source", "extracted", "--measure",
         "network_operations", "--output", str(out_file)],
    )  # fmt: skip
    assert isinstance(out.exception, UserError) and "network_operations" in str(out.exception)
    assert not out_file.exists()


@pytest.mark.parametrize("columns", ["80", "100"])
def test_tables_fit_normal_terminals_without_truncating(both_sources: Path, columns: str) -> None:
    """Finding 7: at 80 and 100 columns no cell is cut to an ellipsis; numbers read whole."""
    key = "imagenet/hardware_burden/poly/ols/futuretech"
    (head,) = json.loads(invoke("trends", "summary", "-f", "json"))
    slope = f"{head['headline']['slope']:.3g}"
    for args in (
        ["trends"],
        ["trends", "latest"],
        ["trends", "latest", "--source", "all"],
        ["trends", "history", "--benchmark", "imagenet"],
        ["trends", "data", key],
        ["trends", "extrapolate", "--benchmark", "imagenet", "--target-error", "0.05"],
        ["trends", "backtest"],
    ):
        result = runner.invoke(app, args, env={"COLUMNS": columns})
        assert result.exit_code == 0, (args, result.output)
        assert "…" not in result.stdout, (args, result.stdout)
        assert all(len(line) <= int(columns) for line in result.stdout.splitlines()), args
        last_columns = {
            "extrapolate": r"kg CO2 +N\b",
            "data": r"hw burden *$",
            "latest": r"N +id *$",
        }
        pattern = last_columns.get(args[1] if len(args) > 1 else "", "")
        assert re.search(pattern, result.stdout, re.M), (args, result.stdout)  # none dropped
    table = runner.invoke(app, ["trends", "latest"], env={"COLUMNS": columns}).stdout
    assert slope in table and "futuretech" in table


def test_fit_with_nothing_extracted_accepted_says_why_in_one_line(imported: Path) -> None:
    out = invoke("fit")
    (line,) = [line for line in out.splitlines() if line.startswith("no extracted fit:")]
    assert "0 accepted rows with a score" in line and "`ctrends review rows`" in line
