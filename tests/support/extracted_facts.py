"""Accepted facts that become ``extracted`` observations: results with FLOPs, hardware and time."""

from __future__ import annotations

from datetime import UTC, datetime

from db.models import Fact, Paper
from db.session import session_scope
from pipeline.rows import refresh_rows


def add_extracted_imagenet(
    url: str, n: int = 5, slope: float = -0.05, pending: float | None = None
) -> None:
    """``n`` papers, each one model with a top-1 result, FLOPs, 8 V100s and a training time, on
    log10(error) = log10(0.4) + slope * log10(FLOPs). With ``pending``: the facts wait for review
    at that confidence, assembled into rows (what a zero-touch run accepts)."""
    with session_scope(url) as session:
        for i in range(n):
            paper = Paper(
                arxiv_id=f"1{i}00.00001", version=1, source="local", status="extracted",
                published=datetime(2014 + i, 6, 1, tzinfo=UTC),
            )  # fmt: skip
            session.add(paper)
            session.flush()
            flops = 10 ** (9 + 0.5 * i)
            for kind, extra in (
                ("result", {"benchmark": "imagenet", "metric": "top1", "value": "75",
                            "error": 0.4 * flops**-abs(slope)}),
                ("flops", {"normalized": flops}),
                ("hardware", {"accelerator": "V100", "count": 8, "count_unit": "gpu"}),
                ("training_time", {"normalized": 3600.0 * 10 ** (1 + 0.4 * i)}),
            ):  # fmt: skip
                session.add(
                    Fact(
                        fact_key=f"{i}{kind}", paper_id=paper.id, kind=kind, model="Net",
                        extractor="t", extractor_version="1",
                        status="accepted" if pending is None else "pending",
                        confidence=0.5 if pending is None else pending,
                        **{"value": "1", **extra},
                    )
                )  # fmt: skip
            if pending is not None:
                refresh_rows(session, paper)
