"""The spine end to end on a local directory: ingest -> extract -> export, through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, Paper
from pipeline.cli import app
from pipeline.export import FACT_FIELDS
from tests.support.pdfgen import make_pdf

runner = CliRunner()

GOOD_TEXT = [
    [
        "Deep Residual Learning for Image Recognition",
        "Our ResNet-152 has 60.2M parameters and 11.3 billion FLOPs.",
        "It reaches 78.57% top-1 accuracy on the ImageNet validation set.",
        "We trained it on 8 NVIDIA V100 GPUs for 3.5 days.",
    ]
]


@pytest.fixture
def pdf_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "pdfs"
    directory.mkdir()
    (directory / "1512.03385v1.pdf").write_bytes(make_pdf(GOOD_TEXT))
    (directory / "1605.07146.pdf").write_bytes(make_pdf([*GOOD_TEXT, ["An appendix page."]]))
    good = make_pdf(GOOD_TEXT)
    (directory / "1701.00001.pdf").write_bytes(good[: len(good) // 3])  # truncated: damaged
    (directory / "1701.00002.pdf").write_bytes(b"<html>not a pdf</html>")
    (directory / "reading-notes.pdf").write_bytes(good)  # not named by arXiv id
    return directory


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_ingest_extract_export_on_a_directory(
    ctrends_env: dict[str, str], session: Session, pdf_dir: Path, tmp_path: Path
) -> None:
    out = _invoke("ingest", "--source", str(pdf_dir))
    assert "4 seen, 3 new" in out and "reading-notes.pdf" in out

    rows = session.execute(select(Paper.arxiv_id, Paper.version, Paper.status, Paper.error))
    papers = {r.arxiv_id: r for r in rows}
    assert papers["1512.03385"].version == 1
    assert papers["1605.07146"].version == 0  # version unknown for a bare id
    assert papers["1701.00002"].status == "failed"
    assert "not a PDF" in papers["1701.00002"].error

    _invoke("extract")
    session.expire_all()
    statuses = dict(session.execute(select(Paper.arxiv_id, Paper.status)).all())
    assert statuses == {
        "1512.03385": "extracted",
        "1605.07146": "extracted",
        "1701.00001": "failed",
        "1701.00002": "failed",
    }
    damaged = session.scalars(select(Paper).where(Paper.arxiv_id == "1701.00001")).one()
    assert damaged.error and "PDF" in damaged.error

    facts = session.scalars(select(Fact)).all()
    assert facts, "the good papers must yield facts"
    assert all(f.page == 1 and f.evidence for f in facts)

    export_file = tmp_path / "facts.jsonl"
    _invoke("export", "--format", "jsonl", "--output", str(export_file))
    exported = [json.loads(line) for line in export_file.read_text().splitlines()]
    assert len(exported) == len(facts)
    assert all(set(obj) == set(FACT_FIELDS) for obj in exported)
    by_paper = {obj["arxiv_id"]: obj["arxiv_version"] for obj in exported}
    assert by_paper["1512.03385"] == 1
    assert "1605.07146" in by_paper and by_paper["1605.07146"] is None

    listed = json.loads(_invoke("papers", "--status", "failed", "--format", "json"))
    assert {p["arxiv_id"] for p in listed} == {"1701.00001", "1701.00002"}
    assert all(p["error"] for p in listed)


def test_reingesting_is_idempotent_and_a_changed_file_is_reextracted(
    ctrends_env: dict[str, str], session: Session, pdf_dir: Path
) -> None:
    _invoke("ingest", "--source", str(pdf_dir))
    _invoke("extract")
    fact_ids = sorted(session.scalars(select(Fact.id)))
    out = _invoke("ingest", "--source", str(pdf_dir))
    assert "0 new" in out
    out = _invoke("extract")
    assert "0 of 0 papers" in out
    session.expire_all()
    assert sorted(session.scalars(select(Fact.id))) == fact_ids
    assert session.scalar(select(Paper.id).where(Paper.arxiv_id == "1512.03385")) is not None

    replacement = make_pdf([GOOD_TEXT[0][:2]])
    (pdf_dir / "1512.03385v1.pdf").write_bytes(replacement)
    _invoke("ingest", "--source", str(pdf_dir))
    out = _invoke("extract")
    assert "1 of 1 papers extracted" in out


def test_dev_corpus_sample_yields_facts_with_evidence(
    ctrends_env: dict[str, str], session: Session, dev_corpus: Path, tmp_path: Path
) -> None:
    sample = tmp_path / "sample"
    sample.mkdir()
    for arxiv_id in ("1512.03385", "1706.03762"):
        shutil.copy(dev_corpus / "pdfs" / f"{arxiv_id}.pdf", sample)
    _invoke("ingest", "--source", str(sample))
    _invoke("extract")
    kinds = set(session.scalars(select(Fact.kind)))
    assert "result" in kinds
    benchmarks = set(session.scalars(select(Fact.benchmark).where(Fact.kind == "result")))
    assert {"imagenet", "wmt14_en_de"} <= benchmarks
    assert all(
        f.page >= 1 and f.evidence and f.extractor_version for f in session.scalars(select(Fact))
    )


def test_a_fact_the_database_refuses_fails_its_paper_only(
    ctrends_env: dict[str, str],
    session: Session,
    pdf_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A broken font map can put a lone UTF-16 surrogate into evidence text, which no database
    driver encodes: that paper is marked failed with the reason, the others are stored."""
    from extractors import registry
    from pipeline import extract

    def poisoned(doc):  # type: ignore[no-untyped-def]
        facts, failures = registry.run_extractors(doc)
        if "1+" in doc.text:  # the appendix paper only
            facts[0].evidence += "\ud800"
        return facts, failures

    (pdf_dir / "1605.07146.pdf").write_bytes(make_pdf([*GOOD_TEXT, ["1+ appendix page."]]))
    monkeypatch.setattr(extract, "run_extractors", poisoned)  # children fork with it
    _invoke("ingest", "--source", str(pdf_dir))
    _invoke("extract")
    rows = session.execute(select(Paper.id, Paper.arxiv_id, Paper.status, Paper.error)).all()
    papers = {r.arxiv_id: r for r in rows}
    assert papers["1512.03385"].status == "extracted"
    assert papers["1605.07146"].status == "failed"
    assert papers["1605.07146"].error.startswith("facts could not be stored (UnicodeEncodeError")
    stored = set(session.scalars(select(Fact.paper_id)))
    assert stored == {papers["1512.03385"].id}, "the refused paper's transaction left nothing"
