"""How numbers and printed values are shown to people, and how floats are written to JSON.

One place, used by every table, `review show` and every JSON writer, so the same fact never reads
``17.2% %`` in one view and ``17.2%`` in another:

* :func:`fact_value`: a value as the paper printed it, with its unit once. PDF words can split a
  number (``16 . 4%``); a value that already carries its unit in words or signs after the number
  (``17.2%``, ``3.58% ∗``, ``4.3 G FLOPs``, ``a week`` stored in seconds) gets no second one; a
  score printed as a fraction (``0.790``, error 0.21) is not a percent.
* :func:`number`: significant digits for people, ``1.2e26`` for FLOP counts.
* :func:`tidy`: floats rounded to 12 significant digits before JSON, which removes binary noise
  (``0.20999999999999996`` -> ``0.21``) and keeps every digit a paper or a fit can mean.
"""

from __future__ import annotations

import math
import re
from typing import Any

SIGNIFICANT = 12  # far beyond any printed number or fitted coefficient, short of float noise
_SPLIT_NUMBER = re.compile(r"(?<=\d) ?([.,]) ?(?=\d)")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")


def tidy(value: Any) -> Any:
    """``value`` with every float (also inside lists and dicts) free of binary noise."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: tidy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tidy(v) for v in value]
    return value


def number(value: float | int | None, digits: int = 3) -> str:
    """A number for a table cell: ``digits`` significant digits, exponent form when large."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        return f"{mantissa}e{int(exponent)}"
    if abs(value) < 1:
        return f"{value:.{digits}g}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:.{decimals}f}"


def fact_value(value: str | None, unit: str | None, error: float | None = None) -> str:
    """A fact's printed value with its unit shown once (see the module docstring)."""
    text = _SPLIT_NUMBER.sub(r"\1", (value or "").strip())
    if not unit or not text[-1:].isdigit() or _printed_as_fraction(text, unit, error):
        return text  # words after the number ("a week", "4.3 G FLOPs", "17.2%") are its unit
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _printed_as_fraction(text: str, unit: str, error: float | None) -> bool:
    """A score like ``0.790`` whose error (0.21) says it was read as 79.0%, not 0.79%."""
    match = _NUMBER.fullmatch(text)
    if unit != "%" or match is None or error is None:
        return False
    score = float(text)
    return score <= 1 and min(abs(1 - score - error), abs(score - error)) < 1e-6
