"""Imports only point down the stage map (docs/architecture.md), and stay that way.

Every module of ``extractors``, ``db`` and ``pipeline`` belongs to one layer; a module may import
its own layer and the layers below it, never one above. Imports inside functions count too: a
lazy import that hides a cycle is still an import running back up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("extractors", "db", "pipeline")

# Lowest first. A module belongs to the layer with the longest matching prefix.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Files written whole (extractors/atomic.py) serve every layer from the parse cache up.
    ("parse", ("extractors.parse", "extractors.atomic")),
    ("extract", ("extractors",)),
    ("store schema", ("db",)),
    ("settings", ("pipeline", "pipeline.errors", "pipeline.config", "pipeline.progress")),
    ("source + fetch", ("pipeline.sources", "pipeline.fetch")),
    (
        "ingest, parse/extract runners, store",
        (
            "pipeline.isolation",
            "pipeline.ingest",
            "pipeline.sources.curated",  # a curated dataset's importer is its ingest
            "pipeline.extract",
            "pipeline.store",
            "pipeline.observation_store",
            "pipeline.rows",
        ),
    ),
    (
        "review",
        (
            "pipeline.corrections",
            "pipeline.review",
            "pipeline.review_rows",
            "pipeline.row_decisions",
            "pipeline.zerotouch",
            "pipeline.web",
        ),
    ),
    ("fit", ("pipeline.analysis",)),
    (
        "query and tools",
        (
            "pipeline.export",
            "pipeline.evaluate",
            "pipeline.evaluate_rows",
            "pipeline.hand_labels",
            "pipeline.confidence_model",
            "pipeline.row_model",
            "pipeline.backup",
        ),
    ),
    (
        "orchestration",
        (
            "pipeline.runs",
            "pipeline.runlock",
            "pipeline.prefect_server",
            "pipeline.flows",
            "pipeline.deploy",
        ),
    ),
    ("command line", ("pipeline.cli",)),
)


def _layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > best:
                best, rank = len(prefix), index
    if rank < 0:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in this test")
    return rank


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Project modules ``path`` imports (``from a.b import c`` counts as a.b, or a.b.c if c is
    a module), at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PACKAGES and _is_module(name):
                found.add(name)
    return found


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _project_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    for path in _project_files():
        _layer_of(_module_name(path))


@pytest.mark.parametrize("path", _project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_the_stages(path: Path) -> None:
    module = _module_name(path)
    own = _layer_of(module)
    upward = [
        f"{name} ({LAYERS[_layer_of(name)][0]})"
        for name in sorted(_imports(path))
        if _layer_of(name) > own
    ]
    assert not upward, f"{module} ({LAYERS[own][0]}) imports up the stages: {', '.join(upward)}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an import from a higher layer is reported."""
    fake = ROOT / "extractors" / "parse" / "document.py"
    assert _layer_of(_module_name(fake)) < _layer_of("pipeline.review")
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from pipeline.review import correct\n", encoding="utf-8")
    assert "pipeline.review" in _imports(probe)
