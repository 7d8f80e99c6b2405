"""A curator's corrected value or unit, turned into the normalized numbers the fits use.

When a curator edits a fact ("76.1" should be "77.1", "M" should be "B") the printed value changes,
and so must the kind's normalized number (``error`` for results, ``count`` for hardware,
``normalized`` for the rest): an edit that left it stale would feed the old number to the
regressions. Which field that is and how it is derived is the kind's spec
(:mod:`extractors.kinds`), through the same :mod:`extractors.units` conversions extractors use.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.kinds import SPECS, Previous
from pipeline.errors import UserError


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
    spec = SPECS.get(kind)
    if spec is None:
        raise UserError(f"facts of kind {kind!r} cannot be edited")
    try:
        derived = spec.derive(value, unit, Previous(old_value, old_error, flops_kind))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    return Correction(value, unit, **{spec.value_field: derived})
