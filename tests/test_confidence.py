"""One confidence scale: ordered named levels, named adjustments, bounded results."""

from __future__ import annotations

import pytest

from extractors import confidence
from extractors.confidence import ADJUSTMENTS, CEILING, COLUMN_DOUBTS, FLOOR, adjusted


def test_levels_are_ordered_from_own_work_to_cited_work() -> None:
    levels = [
        confidence.OWN,
        confidence.STATED_UNIT,
        confidence.AS_PRINTED,
        confidence.UNCERTAIN,
        confidence.SECONDARY,
        confidence.PROSE_RESULT,
        confidence.CITED,
    ]
    assert levels == sorted(levels, reverse=True)
    assert all(FLOOR < level < CEILING for level in levels)


def test_adjustments_add_up_and_stay_within_the_bounds() -> None:
    assert adjusted(confidence.UNCERTAIN, ["marked_own", "test_split"]) == 0.8
    assert adjusted(confidence.UNCERTAIN, ["quoted_from_other_paper", "benchmark_from_paper",
                                           "ensemble"]) == FLOOR  # fmt: skip
    assert adjusted(confidence.OWN, ["best_in_column", "bold"]) == CEILING


def test_an_unnamed_adjustment_is_an_error() -> None:
    with pytest.raises(KeyError):
        adjusted(confidence.UNCERTAIN, ["looks_good"])


def test_column_doubts_are_adjustments_that_lower_confidence() -> None:
    assert all(ADJUSTMENTS[doubt] < 0 for doubt in COLUMN_DOUBTS)
