"""Reviewing by row: rows that complete a fit first, a row accepted as its cells, several ids
decided at once (all or none)."""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, ModelRow, ReviewEvent
from db.session import session_scope
from extractors.facts import ExtractedFact
from extractors.training_set import extract_training_set
from pipeline.cli import app
from pipeline.errors import UserError
from pipeline.review_rows import proposal
from pipeline.rows import refresh_rows
from tests.prose_helpers import document
from tests.support.review_data import flops, paper, result, stored

runner = CliRunner()


def _rows(session: Session) -> dict[str, int]:
    p = paper(session, title="Deep Residual Learning")
    stored(
        session,
        p,
        [
            result(model="VGG-16", value="71.5", confidence=0.9),  # a score alone
            result(model="ResNet-152 (val)", value="78.6", confidence=0.5),
            flops(model="152-layer ResNet", value="11.3"),  # its FLOPs, under another name
        ],
    )
    refresh_rows(session, p)
    session.commit()
    return {r.model: r.id for r in session.scalars(select(ModelRow))}


def test_rows_that_complete_a_fit_come_first_and_accept_as_cells(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    ids = _rows(session)
    out = runner.invoke(app, ["review", "rows", "--format", "json"])
    assert out.exit_code == 0, out.output
    listed = json.loads(out.stdout)
    assert [r["model"] for r in listed] == ["ResNet-152 (val)", "VGG-16"]  # despite confidence
    assert {c["field"]: c["link"] for c in listed[0]["cells"]} == {
        "score": "same name",
        "ops_forward_pass": "name alignment",
    }
    accepted = runner.invoke(app, ["review", "accept-row", str(ids["ResNet-152 (val)"])])
    assert accepted.exit_code == 0, accepted.output
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        facts = {f.model: f for f in s.scalars(select(Fact))}
        assert facts["ResNet-152 (val)"].status == facts["152-layer ResNet"].status == "accepted"
        assert facts["VGG-16"].status == "pending"
        assert s.scalars(select(ReviewEvent.action)).all() == ["accept", "accept"]
    again = runner.invoke(app, ["review", "accept-row", str(ids["ResNet-152 (val)"])])
    assert isinstance(again.exception, UserError) and "no pending cell" in str(again.exception)


def test_a_model_on_two_benchmarks_is_two_rows_told_apart_by_benchmark(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    p = paper(session, title="ShuffleNet")
    stored(
        session,
        p,
        [
            result(model="ShuffleNet 2x", value="73.7", confidence=0.9),
            result(model="ShuffleNet 2x", value="25.0", benchmark="coco", metric="box_ap", page=7),
        ],
    )
    refresh_rows(session, p)
    session.commit()
    listed = json.loads(runner.invoke(app, ["review", "rows", "--format", "json"]).stdout)
    assert sorted((r["model"], r["benchmark"]) for r in listed) == [
        ("ShuffleNet 2x", "coco"),
        ("ShuffleNet 2x", "imagenet"),
    ]
    text = runner.invoke(app, ["review", "rows"]).stdout
    assert "ShuffleNet 2x on coco" in text and "ShuffleNet 2x on imagenet" in text


def test_several_ids_are_decided_together_or_not_at_all(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    _rows(session)
    fact_ids = sorted(f.id for f in session.scalars(select(Fact)))
    refused = runner.invoke(app, ["review", "reject", str(fact_ids[0]), "999999"])
    assert isinstance(refused.exception, UserError)
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        assert {f.status for f in s.scalars(select(Fact))} == {"pending"}  # nothing half-done
    done = runner.invoke(app, ["review", "reject", *map(str, fact_ids[:2])])
    assert done.exit_code == 0, done.output
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        statuses = {f.id: f.status for f in s.scalars(select(Fact))}
    assert [statuses[i] for i in fact_ids] == ["rejected", "rejected", "pending"]


def test_a_training_set_of_another_benchmark_is_not_the_rows(session: Session) -> None:
    """GNMT (1609.08144): "On WMT En → Fr, the training set contains 36M sentence pairs" is a
    paper-level statement naming its benchmark: a cell of the En → Fr row only."""
    p = paper(session, arxiv_id="1609.08144", title="Google's Neural Machine Translation System")
    (size,) = extract_training_set(
        document("On WMT En → Fr, the training set contains 36M sentence pairs.")
    )
    stored(
        session,
        p,
        [
            result(model="GNMT En-Fr", value="39.92", benchmark="wmt14_en_fr", metric="bleu"),
            result(model="GNMT En-De", value="26.30", benchmark="wmt14_en_de", metric="bleu"),
            size,
        ],
    )
    refresh_rows(session, p)
    rows = {r.model: r for r in session.scalars(select(ModelRow))}
    assert "training_examples" not in {c.field for c in rows["GNMT En-De"].cells}
    assert proposal(rows["GNMT En-Fr"])["training_examples"].fact.value == "36M sentence pairs"


def test_the_training_set_naming_the_rows_benchmark_is_proposed(session: Session) -> None:
    """Transformer (1706.03762): its WMT En-De set, not the larger parsing corpus of another
    experiment of the paper, which names no benchmark (size alone would pick 17M)."""
    p = paper(session, arxiv_id="1706.03762", title="Attention Is All You Need")
    sizes = [
        replace(fact, page=page)  # as printed: the training data on page 7, parsing on page 9
        for page, text in (
            (7, "We trained on the standard WMT 2014 English-German dataset consisting of about "
                "4.5 million sentence pairs."),
            (9, "We also trained it in a semi-supervised setting, using the larger high-confidence "
                "and BerkleyParser corpora from with approximately 17M sentences [37]."),
        )
        for fact in extract_training_set(document(text))
    ]  # fmt: skip
    assert sorted(f.normalized for f in sizes) == [4.5e6, 17e6]
    stored(session, p, [result(model="Transformer (big)", value="28.4", benchmark="wmt14_en_de",
                               metric="bleu"), *sizes])  # fmt: skip
    refresh_rows(session, p)
    (row,) = session.scalars(select(ModelRow))
    assert proposal(row)["training_examples"].fact.normalized == 4.5e6


def test_an_accepted_row_with_cells_still_pending_goes_behind_undecided_rows(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    """After `accept-row`, the row's other candidates (a second score of the same metric) stay
    pending, but the row already feeds a fit: the queue offers the undecided rows first."""
    p = paper(session, title="Deep Residual Learning")
    stored(
        session,
        p,
        [
            result(model="ResNet-152", value="78.6", confidence=0.5),
            result(model="ResNet-152", value="77.0", confidence=0.4, page=7),
            flops(model="ResNet-152", value="11.3"),
            result(model="ResNet-101", value="77.4", confidence=0.5),
            flops(model="ResNet-101", value="7.6"),
        ],
    )
    refresh_rows(session, p)
    session.commit()
    first = json.loads(runner.invoke(app, ["review", "rows", "--format", "json"]).stdout)
    assert [r["model"] for r in first] == ["ResNet-152", "ResNet-101"]  # by row id on a tie
    accepted = runner.invoke(app, ["review", "accept-row", str(first[0]["id"])])
    assert accepted.exit_code == 0, accepted.output
    after = json.loads(runner.invoke(app, ["review", "rows", "--format", "json"]).stdout)
    assert [r["model"] for r in after] == ["ResNet-101", "ResNet-152"]


def test_an_inference_statement_is_a_cell_but_not_the_rows_proposed_hardware(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    """ "Runtime is measured on a single NVIDIA TITAN RTX graphics card" (DetectoRS) and "MACs and
    Throughput are measured ... on a V100 GPU" (TinyViT): the rules give such statements the
    confidence of a secondary statement, and accepting the row must not make them its training."""

    def gpu(evidence: str, confidence: float) -> ExtractedFact:
        return ExtractedFact(
            kind="hardware", value="a single NVIDIA TITAN RTX", unit=None, page=6,
            evidence=evidence, confidence=confidence, extractor="hardware",
            extractor_version="1", accelerator="TITAN RTX", count=1,
        )  # fmt: skip

    p = paper(session, title="DetectoRS")
    stored(
        session,
        p,
        [
            result(model="DetectoRS", value="54.7", benchmark="coco", metric="box_ap"),
            gpu("Runtime is measured on a single NVIDIA TITAN RTX graphics card.", 0.4),
        ],
    )
    refresh_rows(session, p)
    session.commit()
    row = session.scalars(select(ModelRow)).one()
    assert {c.field for c in row.cells} == {"score", "hardware"}  # still there to pick
    assert set(proposal(row)) == {"score"}
