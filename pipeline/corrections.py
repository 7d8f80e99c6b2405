"""A curator's corrected value or unit, turned into the normalized numbers the fits use.

When a curator edits a fact ("76.1" should be "77.1", "M" should be "B") the printed value changes,
and so must the kind's normalized number (``error`` for results, ``count`` for hardware,
``normalized`` for the rest): an edit that left it stale would feed the old number to the
regressions. Which field that is and how it is derived is the kind's spec
(:mod:`extractors.kinds`), through the same :mod:`extractors.units` conversions extractors use.

A correction is typed by a person (or posted by a browser), so it is checked here, once, for
every caller: the value must read as a finite number (a 400-digit value or ``1e400`` would be
stored as Infinity, which no JSON export and no PostgreSQL restore accepts) and the derived
number must lie in the kind's plausible range (``KindSpec.plausible``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from extractors.kinds import SPECS, KindSpec, Previous
from pipeline.errors import UserError

MAX_VALUE_CHARS = 64  # as printed: "6.5 × 10^7 (multiply-adds)" is long


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
    """Re-derive the normalized field of a ``kind`` fact printed as ``value`` ``unit``.

    For results, ``old_value``/``old_error`` tell whether the paper printed an accuracy (error =
    1 - score/100) or an error rate (error = score/100), so an edit keeps the paper's convention.
    """
    value = value.strip()
    unit = unit.strip() if unit and unit.strip() else None
    if not value:
        raise UserError("the corrected value is empty")
    if len(value) > MAX_VALUE_CHARS or (unit is not None and len(unit) > MAX_VALUE_CHARS):
        raise UserError(f"the corrected value or unit is longer than {MAX_VALUE_CHARS} characters")
    spec = SPECS.get(kind)
    if spec is None:
        raise UserError(f"facts of kind {kind!r} cannot be edited")
    try:
        derived = spec.derive(value, unit, Previous(old_value, old_error, flops_kind))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    _check_range(spec, value, unit, derived)
    return Correction(value, unit, **{spec.value_field: derived})


def _check_range(spec: KindSpec, value: str, unit: str | None, number: float) -> None:
    if not math.isfinite(number):
        raise UserError(f"{value} {unit or ''} is not a finite number".replace("  ", " "))
    low, high = spec.plausible
    if not low <= number <= high:
        raise UserError(
            f"{value} {unit or ''} makes {number:.3g}, outside the plausible range of a "
            f"{spec.name} fact ({low:g} to {high:g})".replace("  ", " ")
        )
