"""One atomic-write helper: files appear whole or not at all, and killed writers' leftovers go."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from extractors.atomic import atomic_open, remove_stale_partials, write_bytes, write_incoming


def _age(path: Path, seconds: float = 86400) -> None:
    os.utime(path, (time.time() - seconds, time.time() - seconds))


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError), atomic_open(target, "w", encoding="utf-8") as handle:
        handle.write("half")
        assert not target.exists()  # nothing under the real name while writing
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    write_bytes(target, b"whole")
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]


def test_content_addressed_writes_are_placed_by_what_was_written(tmp_path: Path) -> None:
    final = write_incoming(
        tmp_path, lambda out: out.write(b"%PDF-1.4"), lambda tmp: tmp_path / "ab" / "ab.pdf"
    )
    assert final.read_bytes() == b"%PDF-1.4"

    def refuse(_tmp: Path) -> Path:
        raise ValueError("not a PDF")

    with pytest.raises(ValueError):
        write_incoming(tmp_path, lambda out: out.write(b"<html>"), refuse)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["ab", "ab.pdf"]


def test_stale_partials_of_one_target_or_of_a_whole_cache(tmp_path: Path) -> None:
    mine, theirs = tmp_path / ".facts.csv.k3j.part", tmp_path / ".notes.txt.k3j.part"
    fresh = tmp_path / ".facts.csv.new.part"
    nested = tmp_path / "ab" / ".incoming-x.part"
    nested.parent.mkdir()
    for path in (mine, theirs, fresh, nested):
        path.write_bytes(b"half")
    for path in (mine, theirs, nested):
        _age(path)
    assert remove_stale_partials(tmp_path, tmp_path / "facts.csv") == 1
    assert not mine.exists() and theirs.exists() and fresh.exists() and nested.exists()
    assert remove_stale_partials(tmp_path) == 2  # a cache: everything old, at any depth
    assert fresh.exists() and not theirs.exists() and not nested.exists()


def test_export_removes_its_own_stale_temporary_files(
    ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    target = tmp_path / "facts.jsonl"
    leftover = tmp_path / ".facts.jsonl.a1b2.part"  # an export killed mid-write
    leftover.write_bytes(b"half")
    _age(leftover)
    out = CliRunner().invoke(app, ["export", "--output", str(target)])
    assert out.exit_code == 0, out.output
    assert target.exists() and not leftover.exists()


def test_the_review_app_removes_stale_page_pictures_at_start(
    ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    from pipeline.web.app import create_app

    regions = tmp_path / "data" / "regions"
    regions.mkdir(parents=True)
    stale, whole = regions / ".ab12.png.x9.part", regions / "ab12.png"
    stale.write_bytes(b"half")
    whole.write_bytes(b"png")
    _age(stale)
    create_app("a-token-of-twenty-chars", ctrends_env["CTRENDS_DATABASE_URL"], tmp_path / "data")
    assert not stale.exists() and whole.exists()
