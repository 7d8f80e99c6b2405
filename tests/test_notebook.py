"""The analysis notebook runs top to bottom against a real database, so it never rots."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from typer.testing import CliRunner

from pipeline.cli import app
from tests.support.futuretech_csv import imagenet_rows, write_imagenet

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "trends.ipynb"

pytestmark = pytest.mark.slow


def test_trends_notebook_executes_and_draws(ctrends_env: dict[str, str], tmp_path: Path) -> None:
    write_imagenet(tmp_path / "data", imagenet_rows(n=16))
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
    assert "'futuretech'" in texts[0]
    assert any("network_operations" in t and "slope" in t for t in texts)
    assert any("kg_co2" in t for t in texts)
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the figure was drawn
