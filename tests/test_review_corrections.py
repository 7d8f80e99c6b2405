"""A curator's corrected value re-derives the normalized numbers the fits use."""

from __future__ import annotations

import pytest

from pipeline.corrections import correct
from pipeline.errors import UserError


@pytest.mark.parametrize(
    ("value", "unit", "old_value", "old_error", "error"),
    [
        ("76.1", "%", "75.1", 0.249, 0.239),  # an accuracy stays an accuracy
        ("22.9", "%", "23.9", 0.239, 0.229),  # an error rate stays an error rate
        ("6.67", "%", "6 . 67%", 0.0667, 0.0667),  # old value unreadable: nearest reading
        ("0.761", None, None, None, 0.239),  # a fraction
        ("28.4", None, "27.4", 0.726, 0.716),  # BLEU: 1 - BLEU/100
    ],
)
def test_result_errors(
    value: str, unit: str | None, old_value: str | None, old_error: float | None, error: float
) -> None:
    fixed = correct("result", value, unit, old_value=old_value, old_error=old_error)
    assert fixed.error == pytest.approx(error)
    assert (fixed.value, fixed.unit) == (value, unit)


@pytest.mark.parametrize(
    ("kind", "value", "unit", "flops_kind", "normalized"),
    [
        ("parameters", "25.6", "M", None, 25.6e6),
        ("parameters", "1.5B", None, None, 1.5e9),
        ("parameters", "60", "million", None, 60e6),
        ("flops", "3.8", "GFLOPs", "flops", 3.8e9),
        ("flops", "1.5", "B mult-adds", "multiply_adds", 3.0e9),  # a multiply-add is 2 FLOPs
        ("flops", "569", "M", "multiply_adds", 1.138e9),
        ("training_time", "3.5", "days", None, 302_400),
        ("training_time", "two weeks", None, None, 1_209_600),
    ],
)
def test_compute_is_renormalized(
    kind: str, value: str, unit: str | None, flops_kind: str | None, normalized: float
) -> None:
    assert correct(kind, value, unit, flops_kind=flops_kind).normalized == pytest.approx(normalized)


def test_hardware_count() -> None:
    assert correct("hardware", "eight", "gpu").count == 8


@pytest.mark.parametrize(
    ("kind", "value", "unit", "message"),
    [
        ("result", "", "%", "empty"),
        ("result", "n/a", "%", "as a number"),
        ("result", "176.1", "%", "outside 0..100"),
        ("parameters", "25", "furlongs", "unknown unit"),
        ("training_time", "soon", None, "as a duration"),
    ],
)
def test_unreadable_corrections_are_refused(
    kind: str, value: str, unit: str | None, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        correct(kind, value, unit)


@pytest.mark.parametrize(
    ("kind", "value", "unit", "message"),
    [
        ("parameters", "9" * 400, None, "longer than 64"),  # was stored as Infinity
        ("parameters", "9" * 60, None, "outside the plausible range"),
        ("parameters", "1e400", None, "cannot read '1e400'"),  # was an OverflowError traceback
        ("parameters", "2", "10^400", "unknown unit"),
        ("parameters", "1e305", "B", "not a finite number"),  # finite, but not once scaled
        ("flops", "1e99999", None, "cannot read"),  # read by float(), not as 10**99999
        ("flops", "5", "10^35", "outside the plausible range of a flops fact"),
        ("training_time", "1e400", "days", "as a duration"),
        ("training_time", "900", "years", "as a duration"),
        ("training_time", "200", "months", "outside the plausible range"),
        ("hardware", "1e400", None, "cannot read"),
        ("hardware", "0", None, "outside the plausible range"),
        ("result", "9" * 50, "%", "outside 0..100"),
    ],
)
def test_corrections_must_be_finite_and_plausible(
    kind: str, value: str, unit: str | None, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        correct(kind, value, unit)
