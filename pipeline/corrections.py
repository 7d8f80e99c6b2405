"""A curator's corrected value or unit, turned into the normalized numbers the fits use.

When a curator edits a fact ("76.1" should be "77.1", "M" should be "B") the printed value changes,
and so must ``error`` (results), ``normalized`` (parameters, FLOPs, training time) or ``count``
(hardware): an edit that left them stale would feed the old number to the regressions. The
conversions go through :mod:`extractors.units`, the same ones extractors use.

A correction is typed by a person (or posted by a browser), so it is checked here, once, for
every caller: the value must read as a finite number (a 400-digit value or ``1e400`` would be
stored as Infinity, which no JSON export and no PostgreSQL restore accepts) and the derived
number must lie in the kind's plausible range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from extractors.units import parse_duration, parse_number, scale_factor
from pipeline.errors import UserError

# Words in a FLOPs unit that name the operation rather than scale it ("GFLOPs", "B mult-adds").
_OPERATION_WORDS = re.compile(
    r"(?i)\s*(flops?|flop/s|multiply[- ]?adds?|mult[- ]?adds?|madds?|macs?|operations|ops)\s*$"
)

MAX_VALUE_CHARS = 64  # as printed: "6.5 × 10^7 (multiply-adds)" is long
# What a corrected number may be, per kind, in the unit of its normalized field (count for
# hardware): from one of a thing to well past the largest reported (about 2e12 parameters, 5e25
# training FLOPs, 100,000 accelerators, a year of training); results are checked as 0..100%.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "parameters": (1.0, 1e15),
    "flops": (1.0, 1e30),
    "training_time": (1.0, 10 * 365 * 86400.0),
    "hardware": (1.0, 1e7),
}


@dataclass(frozen=True)
class Correction:
    """The fields an edit sets: the printed value and unit plus what follows from them."""

    value: str
    unit: str | None
    error: float | None = None
    normalized: float | None = None
    count: float | None = None


def correct(
    kind: str,
    value: str,
    unit: str | None,
    *,
    old_value: str | None = None,
    old_error: float | None = None,
    flops_kind: str | None = None,
) -> Correction:
    """Re-derive the normalized fields of a ``kind`` fact printed as ``value`` ``unit``.

    For results, ``old_value``/``old_error`` tell whether the paper printed an accuracy (error =
    1 - score/100) or an error rate (error = score/100), so an edit keeps the paper's convention.
    """
    value = value.strip()
    unit = unit.strip() if unit and unit.strip() else None
    if not value:
        raise UserError("the corrected value is empty")
    if len(value) > MAX_VALUE_CHARS or (unit is not None and len(unit) > MAX_VALUE_CHARS):
        raise UserError(f"the corrected value or unit is longer than {MAX_VALUE_CHARS} characters")
    fixed = _derive(kind, value, unit, old_value, old_error, flops_kind)
    derived = fixed.error if kind == "result" else fixed.count if kind == "hardware" else None
    _check_range(kind, value, unit, fixed.normalized if derived is None else derived)
    return fixed


def _derive(
    kind: str,
    value: str,
    unit: str | None,
    old_value: str | None,
    old_error: float | None,
    flops_kind: str | None,
) -> Correction:
    if kind == "result":
        return Correction(value, unit, error=_result_error(value, unit, old_value, old_error))
    if kind == "parameters":
        return Correction(value, unit, normalized=_scaled(value, unit))
    if kind == "flops":
        ops = _scaled(value, _OPERATION_WORDS.sub("", unit or "") or None)
        return Correction(value, unit, normalized=ops * 2 if flops_kind == "multiply_adds" else ops)
    if kind == "training_time":
        seconds = parse_duration(f"{value} {unit}" if unit else value)
        if seconds is None:
            raise UserError(f"cannot read {value!r} {unit or ''} as a duration (e.g. 3.5 days)")
        return Correction(value, unit, normalized=seconds)
    if kind == "hardware":
        return Correction(value, unit, count=_number(value))
    raise UserError(f"facts of kind {kind!r} cannot be edited")


def _check_range(kind: str, value: str, unit: str | None, number: float | None) -> None:
    if number is None or not math.isfinite(number):
        raise UserError(f"{value} {unit or ''} is not a finite number".replace("  ", " "))
    low, high = PLAUSIBLE.get(kind, (-math.inf, math.inf))
    if not low <= number <= high:
        raise UserError(
            f"{value} {unit or ''} makes {number:.3g}, outside the plausible range of a {kind} "
            f"fact ({low:g} to {high:g})".replace("  ", " ")
        )


def _number(value: str) -> float:
    number = parse_number(value.rstrip("%").strip())
    if number is None:
        raise UserError(f"cannot read {value!r} as a number")
    return number


def _scaled(value: str, unit: str | None) -> float:
    """'25.6' 'M' -> 25.6e6; '1.5B' -> 1.5e9; a unit that is no scale word is an error."""
    number = _number(value)
    if unit is None:
        return number
    factor = scale_factor(unit)
    if factor is None:
        raise UserError(f"unknown unit {unit!r}: use a scale such as K, M, B, G or million")
    return number * factor


def _result_error(
    value: str, unit: str | None, old_value: str | None, old_error: float | None
) -> float:
    score = _number(value)
    fraction = score if (unit != "%" and score <= 1.0) else score / 100
    if not 0.0 <= fraction <= 1.0:
        raise UserError(f"a score of {value} {unit or ''} is outside 0..100")
    return fraction if _printed_as_error(fraction, old_value, old_error) else 1.0 - fraction


def _printed_as_error(fraction: float, old_value: str | None, old_error: float | None) -> bool:
    """Did the paper print an error rate? Decided from the old value and error when the old
    value reads as a number, else from which reading of the new value is nearer the old error
    (a correction is small next to the gap between 25% error and 75% accuracy)."""
    if old_error is None:
        return False
    old = parse_number(old_value.rstrip("%").strip()) if old_value else None
    printed = fraction if old is None else (old if old <= 1.0 else old / 100)
    return abs(old_error - printed) < abs(old_error - (1 - printed))
