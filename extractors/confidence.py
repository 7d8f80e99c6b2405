"""One confidence scale for every extractor: named levels, and named adjustments to them.

Confidence has to mean the same to a curator whichever extractor produced a fact: how likely it
is the paper's own number (its headline result, its own model's size, its own training run).
A fact starts at a level that says what kind of evidence it is and moves by adjustments that
say what the evidence around it adds or takes away; each adjustment's name is what the
extractor records in ``details``, so a curator sees why a number ranks where it does.
"""

from __future__ import annotations

from collections.abc import Iterable

# Levels, highest first.
OWN = 0.85  # a statement about the paper's own training ("we train on 8 GPUs for 3 days")
STATED_UNIT = 0.8  # a table size whose unit the cell or the header prints
AS_PRINTED = 0.7  # a table size printed as a full count ("22,855,952"): its own unit
UNCERTAIN = 0.6  # nothing says whose it is or which stage; a table result before its cues
SECONDARY = 0.4  # fine-tuning, inference, a baseline; a table size in the unit papers assume
PROSE_RESULT = 0.3  # a result stated in a sentence, before its cues
CITED = 0.2  # another work's number

FLOOR, CEILING = 0.05, 0.95  # adjusted confidences stay inside: no cue makes a fact certain

ADJUSTMENTS: dict[str, float] = {
    # table results: doubts about which column means what
    "metric_from_caption": -0.1,
    "benchmark_from_paper": -0.2,
    "language_pair_from_paper": -0.05,
    "swapped_top_k": -0.1,
    # table results: the row
    "quoted_from_other_paper": -0.3,
    "marked_own": +0.15,
    "named_in_title": +0.1,
    "unnamed_row": -0.1,
    "ensemble": -0.1,
    "test_split": +0.05,
    "validation_split": -0.05,
    "primary_metric": +0.03,
    "best_in_column": +0.15,
    "compares_with_others": +0.05,  # the best of a table that quotes others' rows
    "bold": +0.1,
    "best_in_paper": +0.05,
    # results in sentences
    "own_claim": +0.15,
    "benchmark_named": +0.1,
    "own_claim_on_named_benchmark": +0.05,
    # table sizes: papers print FLOPs in billions less consistently than parameters in millions
    "flops_unit_assumed": -0.05,
}
# The doubts about a column's meaning (a subset of the adjustments).
COLUMN_DOUBTS = ("metric_from_caption", "benchmark_from_paper", "language_pair_from_paper",
                 "swapped_top_k")  # fmt: skip


def adjusted(level: float, reasons: Iterable[str]) -> float:
    """``level`` moved by each named adjustment, kept within FLOOR..CEILING, to 3 decimals."""
    confidence = level
    for reason in reasons:
        confidence += ADJUSTMENTS[reason]
    return round(min(max(confidence, FLOOR), CEILING), 3)
