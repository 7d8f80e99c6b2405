"""Broken and hostile PDFs: no run crashes, every failure is recorded with its reason, good papers
in the same run are all processed, and the per-PDF limits (bytes, pages, time, memory) hold.

The CI sample is ~70 inputs; ``tests/stress/bad_pdfs.py`` runs >= 1,000 (docs/reliability.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from db.models import Fact, Paper
from db.session import session_scope
from pipeline.cli import app
from tests.stress.bad_pdfs import (
    GOOD_TEXT,
    SCRATCH_KINDS,
    generate,
    glyph_pile,
    good_pdf,
    inflating_content,
    write_inputs,
)
from tests.support.pdfgen import make_pdf

runner = CliRunner()
SAMPLE = 70
# What a curator reads in `ctrends papers --status failed`: one line naming the problem.
CLEAR_REASONS = (
    "fetch: empty file",
    "fetch: not a PDF",
    "encrypted",
    "damaged PDF",
    "unreadable PDF",
    "no pages",
    "timed out after",
    "exceeded the memory limit",
    "too deeply nested",
    "worker died",
)


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _papers(url: str) -> dict[str, tuple[str, str | None, int | None]]:
    with session_scope(url) as s:
        rows = s.execute(select(Paper.arxiv_id, Paper.status, Paper.error, Paper.page_count))
        return {r.arxiv_id: (r.status, r.error, r.page_count) for r in rows}


@pytest.fixture
def sqlite_env(
    _sqlite_factory: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The sample run parses the same bytes on any engine, so it runs on SQLite only."""
    url, _ = _sqlite_factory.create()  # type: ignore[attr-defined]
    monkeypatch.setenv("CTRENDS_DATABASE_URL", url)
    monkeypatch.setenv("CTRENDS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "3")
    monkeypatch.setenv("CTRENDS_PDF_TIMEOUT", "5")
    monkeypatch.setenv("CTRENDS_PDF_MAX_MEMORY_MB", "512")
    yield url


def test_a_run_over_bad_inputs_loses_nothing(
    sqlite_env: str, dev_corpus: Path, tmp_path: Path
) -> None:
    corpus = sorted((dev_corpus / "pdfs").glob("*.pdf"), key=lambda p: p.stat().st_size)[:2]
    inputs = list(generate(SAMPLE, seed=11, corpus=corpus, corpus_share=0.15))
    assert {i.kind for i in inputs} >= set(SCRATCH_KINDS)
    kinds = write_inputs(tmp_path / "pdfs", inputs, good=4)

    _invoke("ingest", "--source", str(tmp_path / "pdfs"))
    _invoke("extract")
    papers = _papers(sqlite_env)

    assert set(papers) == set(kinds), "every input has its paper row"
    assert all(status != "ingested" for status, _, _ in papers.values()), "none left behind"
    failed = {a: error for a, (status, error, _) in papers.items() if status == "failed"}
    for arxiv_id, error in failed.items():
        assert error and any(reason in error for reason in CLEAR_REASONS), (kinds[arxiv_id], error)
        assert "Traceback" not in error and len(error) < 600
    must_fail = {"zero-byte": "empty", "encrypted": "encrypted"}
    for arxiv_id, kind in kinds.items():
        if kind in must_fail:
            assert must_fail[kind] in (failed.get(arxiv_id) or ""), (kind, papers[arxiv_id])
    # what a robust parser reads anyway: a lying /Length, cycles, a password-less encryption
    readable = {"good", "lying-length", "cyclic-pages", "cyclic-references", "encrypted-open"}
    assert all(papers[a][0] == "extracted" for a, kind in kinds.items() if kind in readable)
    good = [a for a, kind in kinds.items() if kind == "good"]
    with session_scope(sqlite_env) as s:
        with_facts = set(s.scalars(select(Paper.arxiv_id).join(Fact)))
    assert set(good) <= with_facts

    # a second run has nothing left to do and changes nothing
    assert "0 of 0 papers" in _invoke("extract")
    assert _papers(sqlite_env) == papers


def test_larger_than_max_bytes_is_refused_at_ingest(
    ctrends_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, large = good_pdf(), good_pdf(pages=3)
    monkeypatch.setenv("CTRENDS_PDF_MAX_BYTES", str(len(small) + 100))
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "2001.00001.pdf").write_bytes(small)
    (tmp_path / "pdfs" / "2001.00002.pdf").write_bytes(large)
    _invoke("ingest", "--source", str(tmp_path / "pdfs"))
    papers = _papers(ctrends_env["CTRENDS_DATABASE_URL"])
    assert papers["2001.00001"][0] == "ingested"
    assert papers["2001.00002"][0] == "failed"
    assert f"larger than the limit of {len(small) + 100} bytes" in (papers["2001.00002"][1] or "")


def test_only_max_pages_are_parsed(
    ctrends_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRENDS_PDF_MAX_PAGES", "2")
    pages = [[f"Our ResNet-{n}0 has {n}5.2M parameters and {n}.5 billion FLOPs."] for n in range(5)]
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "2001.00001.pdf").write_bytes(make_pdf(pages))
    _invoke("ingest", "--source", str(tmp_path / "pdfs"))
    _invoke("extract")
    assert _papers(ctrends_env["CTRENDS_DATABASE_URL"])["2001.00001"][::2] == ("extracted", 2)
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        assert set(s.scalars(select(Fact.page))) == {1, 2}


def test_a_pdf_over_the_time_limit_is_stopped_and_the_rest_go_on(
    ctrends_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRENDS_PDF_TIMEOUT", "8")
    (tmp_path / "pdfs").mkdir()
    # 200,000 glyphs on one spot: PDFium needs about a minute to build the page's text
    (tmp_path / "pdfs" / "2001.00001.pdf").write_bytes(glyph_pile(200_000))
    (tmp_path / "pdfs" / "2001.00002.pdf").write_bytes(make_pdf([GOOD_TEXT]))
    _invoke("ingest", "--source", str(tmp_path / "pdfs"))
    out = _invoke("extract")
    assert "1 of 2 papers extracted, 1 failed" in out
    papers = _papers(ctrends_env["CTRENDS_DATABASE_URL"])
    assert papers["2001.00001"][:2] == ("failed", "timed out after 8 s (time limit)")
    assert papers["2001.00002"][0] == "extracted"


def test_a_pdf_over_the_memory_limit_fails_and_passes_under_a_higher_one(
    ctrends_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pdfs").mkdir()
    # a content stream that inflates to 256 MB: the parser holds all of it
    (tmp_path / "pdfs" / "2001.00001.pdf").write_bytes(inflating_content(256))
    _invoke("ingest", "--source", str(tmp_path / "pdfs"))
    monkeypatch.setenv("CTRENDS_PDF_MAX_MEMORY_MB", "128")
    _invoke("extract")
    status, error, _ = _papers(ctrends_env["CTRENDS_DATABASE_URL"])["2001.00001"]
    assert status == "failed" and error and error.startswith("exceeded the memory limit of 128 MiB")

    monkeypatch.setenv("CTRENDS_PDF_MAX_MEMORY_MB", "2048")
    _invoke("extract", "--retry-failed")
    status, error, _ = _papers(ctrends_env["CTRENDS_DATABASE_URL"])["2001.00001"]
    assert (status, error) == ("extracted", None)
