"""The analysis notebook runs top to bottom against a real database, so it never rots, and its
figures are right: one per benchmark and source, each with exactly the points of its own fit."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from typer.testing import CliRunner

from pipeline.cli import app
from tests.support.extracted_facts import add_extracted_imagenet
from tests.support.futuretech_csv import imagenet_rows, write_imagenet

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "trends.ipynb"

pytestmark = pytest.mark.slow


def test_trends_notebook_executes_and_draws(ctrends_env: dict[str, str], tmp_path: Path) -> None:
    write_imagenet(tmp_path / "data", imagenet_rows(n=16))
    add_extracted_imagenet(ctrends_env["CTRENDS_DATABASE_URL"])
    runner = CliRunner()
    for args in (["import", "futuretech", str(tmp_path)], ["fit"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel inherits this process's environment, hence CTRENDS_DATABASE_URL
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    texts = [o.get("data", {}).get("text/plain", "") for o in outputs]
    assert any("futuretech" in t and "extracted" in t and "slope" in t for t in texts)
    assert any("kg_co2" in t for t in texts)
    streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "imagenet (futuretech): each halving of error costs" in streams

    # the figure table: one row per (benchmark, source) fit, points drawn == the fit's N
    figure_cell = next(c for c in notebook.cells if "figures = pd.DataFrame(drawn)" in c.source)
    pngs = [o for o in figure_cell.outputs if "image/png" in o.get("data", {})]
    table = figure_cell.outputs[-1]["data"]["text/plain"]
    lines = [line.split() for line in table.splitlines()[1:]]
    assert {line[2] for line in lines} == {"futuretech", "extracted"}
    assert len(pngs) == len(lines) == 2
    assert all(line[3] == line[4] for line in lines), table
    assert ast.literal_eval(lines[0][4]) > 0
