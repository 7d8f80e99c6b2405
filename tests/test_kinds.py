"""The fact-kind registry: one spec per kind, and every stage dispatching on it."""

from __future__ import annotations

import pytest

from extractors.kinds import KINDS, SPECS, preference
from extractors.nlp import LABELS, load_rules
from extractors.registry import extractors
from pipeline.corrections import correct
from pipeline.errors import UserError
from pipeline.evaluate import FIELD_KINDS, FIELDS


def test_every_kind_has_an_extractor_and_its_rule_labels_have_rules() -> None:
    emitted = {kind for spec in extractors() for kind in spec.kinds}
    assert emitted == set(KINDS)
    ruled = {rule.label for rule in load_rules()}
    assert {label for spec in SPECS.values() for label in spec.rule_labels} <= ruled
    assert set(LABELS) == {label for spec in SPECS.values() for label in spec.rule_labels}


def test_evaluation_fields_come_from_the_specs() -> None:
    assert FIELDS == ("results", "parameters", "flops", "accelerator", "accelerator_count",
                      "training_time")  # fmt: skip
    assert FIELD_KINDS["accelerator_count"] == "hardware"


@pytest.mark.parametrize(
    ("kind", "value", "unit", "field", "expected"),
    [
        ("epochs", "300", "epochs", "normalized", 300.0),
        ("training_set", "1.28", "million images", "normalized", 1.28e6),
        ("training_set", "36M", "sentence pairs", "normalized", 36e6),
        ("hardware", "8", None, "count", 8.0),
        ("flops", "3.8", "GFLOPs", "normalized", 3.8e9),
    ],
)
def test_a_correction_re_derives_the_kinds_value_field(
    kind: str, value: str, unit: str | None, field: str, expected: float
) -> None:
    assert SPECS[kind].value_field == field
    assert getattr(correct(kind, value, unit), field) == pytest.approx(expected)


def test_a_bad_correction_is_a_user_error() -> None:
    with pytest.raises(UserError, match="cannot read"):
        correct("epochs", "many", None)


def test_one_tie_break_more_confident_then_larger() -> None:
    small = {"kind": "parameters", "confidence": 0.8, "normalized": 25e6}
    large = {"kind": "parameters", "confidence": 0.8, "normalized": 60e6}
    sure = {"kind": "parameters", "confidence": 0.9, "normalized": 1e6}
    assert max([small, large], key=preference) is large
    assert max([small, large, sure], key=preference) is sure


def test_every_kind_name_fits_the_store() -> None:
    """PostgreSQL enforces facts.kind's length (SQLite does not): a long name fails only there."""
    from db.models import Fact

    assert all(len(kind) <= Fact.__table__.c.kind.type.length for kind in KINDS)
