"""One odd entry in a source directory never sinks an ingest: each is recorded with a one-line
reason (in the ingest run's failures) and the rest are ingested. Titles, years and versions come
from a manifest.csv or metadata file beside the PDFs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import IngestRun, Paper
from pipeline.cli import app
from pipeline.ingest import ingest_directory
from pipeline.sources.local_dir import scan_directory
from tests.support.pdfgen import make_pdf

PDF = make_pdf([["ResNet-50 reaches 76.1% top-1 accuracy on ImageNet."]])
GOOD = ("1901.00001.pdf", "1901.00002v2.pdf", "1901.00003.pdf", "1901.00004.pdf")
ODD_FILES = (
    "0000.00001.pdf",  # month 00
    "9999.99999.pdf",  # month 99
    "2002.00008v99999999999999999999.pdf",  # version beyond the store
    "loop.pdf",
    "1901.00009.pdf",  # a symlink to itself
    "1901.00010.pdf",  # a sub-directory
)
METADATA = [
    '{"arxiv_id": "1901.00001", "title": "Plain", "year": 2019}',
    '{"arxiv_id": "1901.00003", "title": "Late", "year": 99999}',
    '{"arxiv_id": "1901.00004", "title": "Zero", "year": 0}',
    "this line is not JSON",
    '{"arxiv_id": "1901.00002", "version": 99999999999999999999}',
    json.dumps({"arxiv_id": "1901.00003", "title": "lone \ud800 surrogate"}),
    json.dumps({"arxiv_id": "1901.00004", "title": "a NUL \x00 inside"}),
    "[1, 2, 3]",
]


def _odd_directory(root: Path) -> Path:
    directory = root / "pdfs"
    directory.mkdir()
    for name in GOOD:
        (directory / name).write_bytes(PDF)
    for name in ODD_FILES[:3]:
        (directory / name).write_bytes(PDF)
    (directory / "loop.pdf").write_bytes(b"not a PDF at all")
    os.symlink(directory / "1901.00009.pdf", directory / "1901.00009.pdf")
    (directory / "1901.00010.pdf").mkdir()
    (directory / "metadata.jsonl").write_text("\n".join(METADATA) + "\n", errors="surrogatepass")
    return directory


def test_odd_entries_are_recorded_and_the_rest_ingested(
    ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    directory = _odd_directory(tmp_path)
    report = ingest_directory(directory)
    papers = {p.arxiv_id: p for p in session.scalars(select(Paper))}
    assert set(papers) == {"1901.00001", "1901.00002", "1901.00003", "1901.00004"}
    assert {p.status for p in papers.values()} == {"ingested"}
    assert papers["1901.00001"].title == "Plain" and papers["1901.00001"].published.year == 2019
    assert papers["1901.00002"].version == 2
    assert papers["1901.00003"].title is None  # its metadata rows were refused, not its PDF
    failed = dict(report.failed)
    for name in ODD_FILES:
        if name == "loop.pdf":
            continue  # not an arXiv id: listed, and never a paper
        assert name in failed, (name, failed)
    assert "month 00" in failed["0000.00001.pdf"] and "month 99" in failed["9999.99999.pdf"]
    assert "version" in failed["2002.00008v99999999999999999999.pdf"]
    assert "not a regular file" in failed["1901.00010.pdf"]
    reasons = {key: why for key, why in failed.items() if key.startswith("metadata.jsonl:")}
    assert "year 99999" in reasons["metadata.jsonl:2"] and "year 0" in reasons["metadata.jsonl:3"]
    assert "not a JSON object" in reasons["metadata.jsonl:4"]
    assert "version" in reasons["metadata.jsonl:5"]
    assert "lone surrogate" in reasons["metadata.jsonl:6"]
    assert "NUL" in reasons["metadata.jsonl:7"]
    assert "not a JSON object" in reasons["metadata.jsonl:8"]
    assert all("\n" not in why and len(why) < 200 for why in failed.values())
    run = session.get_one(IngestRun, report.run_id)
    assert run.status == "succeeded" and run.papers_failed == len(report.failed)
    assert {f["paper"] for f in run.summary["failed"]} == set(failed)


def test_the_cli_ingests_an_odd_directory_without_a_traceback(
    ctrends_env: dict[str, str], tmp_path: Path
) -> None:
    outcome = CliRunner().invoke(app, ["ingest", "--source", str(_odd_directory(tmp_path))])
    assert outcome.exit_code == 0, outcome.output
    assert "4 new" in outcome.output and "0000.00001.pdf" in outcome.output


def test_a_record_the_store_cannot_hold_fails_alone(
    ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    """Names with undecodable bytes are listed printably; the database never sees a bad value."""
    directory = tmp_path / "pdfs"
    directory.mkdir()
    (directory / "1901.00001.pdf").write_bytes(PDF)
    (directory / os.fsdecode(b"1901.0000\xff.pdf")).write_bytes(PDF)
    report = ingest_directory(directory)
    assert report.new == 1
    (name,) = [n for n, _ in report.failed]
    assert "\\xff" in name
    assert session.get_one(IngestRun, report.run_id).status == "succeeded"


def test_titles_years_and_versions_come_from_a_manifest_beside_the_pdfs(
    ctrends_env: dict[str, str], session: Session, tmp_path: Path
) -> None:
    """The corpus layout: ``manifest.csv`` beside a ``pdfs/`` folder (arxiv_id,
    version_if_known, title, year, ...)."""
    (tmp_path / "pdfs").mkdir()
    for name in ("1512.03385.pdf", "1906.09535.pdf"):
        (tmp_path / "pdfs" / name).write_bytes(PDF)
    (tmp_path / "manifest.csv").write_text(
        "arxiv_id,version_if_known,title,year,benchmarks,pages\n"
        "1512.03385,v1,Deep Residual Learning for Image Recognition,2015,coco;imagenet,12\n"
        "1906.09535,venue:EMNLP2018 (author-homepage copy),Variational Sequential Labelers,2018,"
        "conll03,12\n"
    )
    assert scan_directory(tmp_path / "pdfs").metadata == tmp_path / "manifest.csv"
    report = ingest_directory(tmp_path / "pdfs")
    assert report.failed == []
    papers = {p.arxiv_id: p for p in session.scalars(select(Paper))}
    resnet = papers["1512.03385"]
    assert (resnet.version, resnet.title, resnet.published.year) == (
        1,
        "Deep Residual Learning for Image Recognition",
        2015,
    )
    labeler = papers["1906.09535"]
    assert labeler.version == 0  # "venue:..." is no version: unknown
    assert labeler.title == "Variational Sequential Labelers" and labeler.published.year == 2018
