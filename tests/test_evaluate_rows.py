"""The simulated perfect curator's judgement of epochs and training-set cells
(``pipeline.evaluate_rows``): the authors' values when they have one, else a hand label for the
row, else wrong, and each judgement tallied by what made it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from db.models import Fact, Paper
from pipeline.evaluate_rows import JUDGES, _Judge
from pipeline.hand_labels import CellLabels, HandLabel

PAPER = "1807.06521"  # CBAM: 90 ImageNet epochs; its COCO detector trains for 490K iterations


def _fact(value: str, normalized: float, arxiv_id: str = PAPER) -> Fact:
    paper = Paper(arxiv_id=arxiv_id, version=1)
    return Fact(kind="epochs", value=value, normalized=normalized, page=7, paper=paper)


def _label(row: str, right: bool) -> HandLabel:
    return HandLabel(
        PAPER, 7, "epochs", None, None, None, "90", 0.85, "right" if right else "wrong",
        "ok" if right else "wrong_benchmark_or_split", "We train the networks for 90 epochs.",
        "", "dev", row,
    )  # fmt: skip


def _row(model: str, benchmark: str = "imagenet") -> dict[str, Any]:
    return {"model": model, "benchmark": benchmark}


def _authors(epochs: float | None) -> dict[str, list[dict[str, Any]]]:
    phases = {"pretraining": None, "training": epochs, "finetuning": None}
    return {PAPER: [{"details": {"phase_epochs": phases, "phase_set_size": {}}}]}


def test_the_hand_label_of_the_row_decides_when_the_authors_have_no_value() -> None:
    labels = [_label("ResNet50 + CBAM", True), _label("Faster R-CNN, ResNet101 + CBAM", False)]
    judge = _Judge(_authors(None), CellLabels(labels))
    fact = _fact("90", 90.0)
    assert judge.curated(fact, [], _row("ResNet50 + CBAM"), count=True)
    assert not judge.curated(fact, [], _row("Faster R-CNN, ResNet101 + CBAM", "coco"), count=True)
    assert not judge.curated(fact, [], _row("ResNeXt101 (32x4d) + CBAM"), count=True)  # unread
    assert judge.curated(fact, [])  # as a fact: right for some row
    assert dict(judge.counts) == {JUDGES[1]: 2, JUDGES[2]: 1}


def test_the_authors_value_decides_over_a_hand_label() -> None:
    judge = _Judge(_authors(120.0), CellLabels([_label("ResNet50 + CBAM", True)]))
    assert not judge.curated(_fact("90", 90.0), [], _row("ResNet50 + CBAM"), count=True)
    assert judge.curated(_fact("120", 120.0), [], _row("ResNet50 + CBAM"), count=True)
    assert dict(judge.counts) == {JUDGES[0]: 2}


def test_a_cell_label_can_name_the_benchmark_of_its_row() -> None:
    """Transformer (1706.03762) has a "Transformer (big)" gold row on En-De and one on En-Fr: its
    "4.5 million sentence pairs" of WMT 2014 English-German is right for the first only."""
    base = _label("Transformer (big)", True)
    labels = [
        replace(base, arxiv_id="1706.03762", value="4.5M", row_benchmark="wmt14_en_de"),
        replace(base, arxiv_id="1706.03762", value="4.5M", row_benchmark="wmt14_en_fr",
                label="wrong", reason="wrong_benchmark_or_split"),
    ]  # fmt: skip
    judge = _Judge({}, CellLabels(labels))
    fact = _fact("4.5M", 4.5e6, arxiv_id="1706.03762")
    assert judge.curated(fact, [], _row("Transformer (big)", "wmt14_en_de"))
    assert not judge.curated(fact, [], _row("Transformer (big)", "wmt14_en_fr"))
