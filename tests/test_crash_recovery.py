"""SIGKILL at random points of ``ctrends ingest``, ``extract`` and ``fit``, then run again: the
database ends identical to a run never interrupted, and no half-written PDF or parse-cache entry
is ever used. ``tests/stress/crash_kills.py`` does the same with many more kill points."""

from __future__ import annotations

import gzip
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from extractors.atomic import remove_stale_partials
from extractors.parse.cache import DamagedPdf, cached_document
from tests.stress.crash_kills import (
    check_caches,
    corpus,
    environment,
    reference_run,
    run_with_kills,
    snapshot,
)
from tests.support.pdfgen import make_pdf


def test_killed_runs_end_identical_to_an_uninterrupted_one(
    db_url: str, tmp_path: Path, _sqlite_factory: Any
) -> None:
    pdfs = corpus(tmp_path / "pdfs", papers=6)
    reference_url, _ = _sqlite_factory.create()
    durations = reference_run(pdfs, environment(reference_url, tmp_path / "reference"))
    expected = snapshot(reference_url)
    assert expected["facts"] and any(p[2] == "failed" for p in expected["papers"])

    env = environment(db_url, tmp_path / "data")
    killed = run_with_kills(pdfs, env, durations, kills=2, seed=len(db_url))
    assert killed >= 1, "at least one kill landed mid-run"
    assert snapshot(db_url) == expected
    check_caches(tmp_path / "data", db_url)


def test_half_written_or_changed_files_are_never_used(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    data = make_pdf([["Our Net-1 has 12.5M parameters."]])
    pdf.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    cache = tmp_path / "parsed"

    doc = cached_document(pdf, sha, cache, max_pages=10)
    (entry,) = cache.rglob("*.json.gz")
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])  # a torn entry
    assert cached_document(pdf, sha, cache, max_pages=10) == doc
    assert gzip.decompress(entry.read_bytes())  # replaced by a whole one

    pdf.write_bytes(data[:-200])  # the PDF under the cache changed (disk damage, a stray copy)
    entry.unlink()
    with pytest.raises(DamagedPdf, match="changed since it was ingested"):
        cached_document(pdf, sha, cache, max_pages=10)
    assert not list(cache.rglob("*.json.gz"))

    old, fresh = cache / ".incoming-old.part", cache / ".incoming-new.part"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(old, (time.time() - 86400, time.time() - 86400))
    assert remove_stale_partials(cache) == 1
    assert fresh.exists() and not old.exists()
