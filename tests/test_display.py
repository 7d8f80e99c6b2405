"""Finding 9 of issue 14: values shown with their unit once, numbers for people, JSON floats
without binary noise; through `review show`, `review list`, the export and the web queue."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from db.session import session_scope
from pipeline.cli import app
from pipeline.display import fact_value, number, tidy
from tests.support.review_data import paper, parameters, result, stored

runner = CliRunner()


@pytest.mark.parametrize(
    "value, unit, error, shown",
    [
        ("17.2%", "%", 0.172, "17.2%"),  # was "17.2% %"
        ("3.58% ∗", "%", 0.0358, "3.58% ∗"),  # was "3.58% ∗ %"
        ("0.790", "%", 0.21, "0.790"),  # a fraction, was "0.790 %"
        ("91 . 93", "%", 0.0807, "91.93%"),  # PDF words split the number: was "91 . 93 %"
        ("16 . 4%", "%", 0.164, "16.4%"),
        ("7.8", "%", 0.078, "7.8%"),  # a percent printed without its sign keeps the unit
        ("0.9", "%", 0.009, "0.9%"),  # 0.9 percent, not a fraction: its error says so
        ("3.8", "GFLOPs", None, "3.8 GFLOPs"),
        ("28.4", None, None, "28.4"),
        ("a week", "s", None, "a week"),  # a duration in words, stored in seconds: was "a week s"
        ("one month", "s", None, "one month"),
        ("4.3 G FLOPs", "GFLOPs", None, "4.3 G FLOPs"),  # was "4.3 G FLOPs GFLOPs"
    ],
)
def test_a_value_shows_its_unit_once(
    value: str, unit: str | None, error: float | None, shown: str
) -> None:
    assert fact_value(value, unit, error) == shown


def test_numbers_for_people_and_floats_for_json() -> None:
    assert [number(v) for v in (-0.09331, 0.7662, 36, 1686.2, 1.2e26, 2.5e-5, None)] == [
        "-0.0933", "0.766", "36", "1686", "1.2e26", "2.5e-5", "",
    ]  # fmt: skip
    assert tidy({"e": [0.20999999999999996, 66319999.99999999], "n": 3}) == {
        "e": [0.21, 66320000.0],
        "n": 3,
    }
    assert tidy(0.123456789012) == 0.123456789012  # 12 significant digits are kept
    assert tidy(1.23456789012e26) == 1.23456789012e26


def test_review_and_export_show_values_once_and_write_clean_floats(
    ctrends_env: dict[str, str],
) -> None:
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as session:
        row = paper(session)
        facts = stored(
            session,
            row,
            [result(value="79.0", error=0.20999999999999996), parameters(value="66.32")],
        )
        facts[0].value = "79.0%"  # as a table cell prints it, with its sign
        facts[1].normalized = 66.32 * 1e6  # 66319999.99999999
        ids = [f.id for f in facts]
    shown = runner.invoke(app, ["review", "show", str(ids[0])]).stdout
    assert "value    79.0%\n" in shown
    listed = runner.invoke(app, ["review", "list", "--facts"]).stdout
    assert "79.0%" in listed and "% %" not in listed
    exported = runner.invoke(app, ["export"]).stdout
    assert "0.20999999999999996" not in exported and "66319999.99999999" not in exported
    rows = [json.loads(line) for line in exported.splitlines()]
    assert {r["error"] for r in rows if r["kind"] == "result"} == {0.21}
    assert {r["normalized"] for r in rows if r["kind"] == "parameters"} == {66320000.0}
    as_json = json.loads(runner.invoke(app, ["review", "list", "--facts", "-f", "json"]).stdout)
    assert 0.21 in {r["error"] for r in as_json}
