"""Extracted observations: curated facts joined per paper version and model, rebuilt in place."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, Observation, Paper
from extractors.accelerators import peak_flops
from pipeline.analysis.observations import rebuild_extracted
from pipeline.observation_store import upsert_observations

_keys = itertools.count()


def paper(session: Session, arxiv_id: str = "1512.03385", version: int = 1) -> Paper:
    row = Paper(
        arxiv_id=arxiv_id,
        version=version,
        source="local",
        status="extracted",
        published=datetime(2015, 12, 10, tzinfo=UTC),
    )
    session.add(row)
    session.flush()
    return row


def fact(
    session: Session, paper: Paper, kind: str, status: str = "accepted", **values: Any
) -> Fact:
    row = Fact(
        fact_key=f"k{next(_keys)}",
        paper_id=paper.id,
        kind=kind,
        value=values.pop("value", "1"),
        extractor="test",
        extractor_version="1",
        status=status,
        page=1,
        **values,
    )
    session.add(row)
    session.flush()
    return row


def resnet(session: Session, p: Paper, status: str = "accepted") -> dict[str, Fact]:
    return {
        "result": fact(
            session, p, "result", status, benchmark="imagenet", metric="top1",
            model="ResNet-152", value="78.57", error=0.2143, confidence=0.9,
        ),
        "params": fact(session, p, "parameters", model="ResNet 152", normalized=60.2e6),
        "flops": fact(session, p, "flops", model="resnet-152", normalized=22.6e9),
        "hardware": fact(session, p, "hardware", accelerator="V100", count=8, count_unit="gpu"),
        "time": fact(session, p, "training_time", normalized=3 * 86400.0),
    }  # fmt: skip


def test_result_joined_with_compute_facts_of_the_same_model(session: Session) -> None:
    p = paper(session)
    facts = resnet(session, p)
    fact(session, p, "flops", model="ResNet-50", normalized=7.6e9)  # another model's
    counts = rebuild_extracted(session)
    assert counts.inserted == 1
    obs = session.scalars(select(Observation)).one()
    assert (obs.source, obs.benchmark, obs.metric, obs.arxiv_id) == (
        "extracted", "imagenet", "top1", "1512.03385",
    )  # fmt: skip
    assert obs.error == pytest.approx(0.2143) and obs.score == pytest.approx(78.57)
    assert obs.parameters == 60.2e6 and obs.ops_forward_pass == 22.6e9
    # hardware burden: count x peak FLOP/s per counted unit x seconds, no utilisation factor
    assert obs.hardware_burden == pytest.approx(8 * peak_flops("V100", "gpu") * 3 * 86400)
    assert obs.training_time_sec == 3 * 86400
    assert obs.fact_ids == sorted(f.id for f in facts.values())
    assert obs.published.isoformat() == "2015-12-10"


def test_rebuild_is_idempotent_and_drops_rejected_results(session: Session) -> None:
    p = paper(session)
    facts = resnet(session, p)
    rebuild_extracted(session)
    ids = list(session.scalars(select(Observation.id)))
    again = rebuild_extracted(session)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    assert list(session.scalars(select(Observation.id))) == ids

    facts["result"].status = "rejected"
    session.flush()
    gone = rebuild_extracted(session)
    assert gone.deleted == 1
    assert session.scalars(select(Observation)).all() == []


def test_only_curated_facts_count(session: Session) -> None:
    p = paper(session)
    resnet(session, p, status="pending")
    assert rebuild_extracted(session).inserted == 0
    edited = resnet(session, paper(session, "1605.07146"), status="edited")["result"]
    fact(session, edited.paper, "flops", status="rejected", model="ResNet-152", normalized=1.0)
    rebuild_extracted(session)
    obs = session.scalars(select(Observation)).one()
    assert obs.arxiv_id == "1605.07146" and obs.ops_forward_pass == 22.6e9


def test_without_training_time_there_is_no_hardware_burden(session: Session) -> None:
    p = paper(session)
    facts = resnet(session, p)
    facts["time"].status = "rejected"
    session.flush()
    rebuild_extracted(session)
    assert session.scalars(select(Observation.hardware_burden)).one() is None


def test_newest_version_of_a_paper_wins(session: Session) -> None:
    resnet(session, paper(session, version=1))
    newer = paper(session, version=2)
    fact(
        session, newer, "result", benchmark="imagenet", metric="top1", model="ResNet-152",
        value="79.00", error=0.21,
    )  # fmt: skip
    rebuild_extracted(session)
    obs = session.scalars(select(Observation)).one()
    assert obs.error == 0.21 and obs.details["arxiv_version"] == 2
    assert obs.ops_forward_pass is None  # the old version's compute facts do not carry over


def test_upsert_rejects_duplicate_keys(session: Session) -> None:
    row = {"source_key": "a", "benchmark": "imagenet", "error": 0.2}
    with pytest.raises(ValueError, match="duplicate"):
        upsert_observations(session, "futuretech", [row, row])
