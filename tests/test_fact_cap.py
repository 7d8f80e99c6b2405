"""A paper yields at most CTRENDS_MAX_FACTS_PER_PAPER candidate facts: the most confident are
kept, and the paper says the cap cut it (a synthetic PDF once gave 31,200 pending facts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Fact, Paper
from extractors.facts import ExtractedFact
from pipeline.extract import extract_pending, most_confident
from pipeline.ingest import ingest_directory
from tests.support.pdfgen import make_pdf


def _fact(value: str, confidence: float) -> ExtractedFact:
    return ExtractedFact("parameters", value, 1, value, confidence, "test", "1")


def test_the_most_confident_are_kept_in_paper_order() -> None:
    facts = [_fact(v, c) for v, c in [("a", 0.3), ("b", 0.9), ("c", 0.5), ("d", 0.9), ("e", 0.5)]]
    assert [f.value for f in most_confident(facts, 3)] == ["b", "c", "d"]
    assert most_confident(facts, 10) == facts


def test_a_pdf_with_thousands_of_candidates_is_capped_and_says_so(
    ctrends_env: dict[str, str], session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = [
        [
            f"Net-{p}-{i} has {p}.{i:02d}M parameters and reaches {50 + i / 7:.2f}% top-1 "
            "accuracy on ImageNet."
            for i in range(50)
        ]
        for p in range(40)
    ]
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "2401.00001v1.pdf").write_bytes(make_pdf(pages))
    ingest_directory(tmp_path / "pdfs")
    monkeypatch.setenv("CTRENDS_MAX_FACTS_PER_PAPER", "500")

    report = extract_pending()

    assert report.extracted == 1 and report.failed == []
    assert session.scalar(select(func.count()).select_from(Fact)) == 500
    paper = session.scalars(select(Paper)).one()
    assert paper.status == "extracted"
    assert paper.error is not None and "kept the 500 most confident" in paper.error
    candidates = int(paper.error.split()[0])
    assert candidates >= 2000, paper.error
