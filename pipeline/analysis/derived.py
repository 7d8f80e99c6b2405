"""Compute measures derived from a row's cells, as Thompson et al. define them, with the method.

- operations per forward pass: the paper's FLOPs, multiply-adds x 2 (already in the FLOPs fact);
- network operations = operations per forward pass x 3 (forward and backward) x the sum, over
  the phases the paper states (training, pre-training, fine-tuning: ``extractors.cues.phase``), of
  epochs x training examples, as the authors summed them (ConvNeXt-XL: 300 x 1.28M + 90 x 14.2M +
  30 x 1.28M). When a paper states a training or fine-tuning phase's epochs but not the size of
  the benchmark's standard training set it trains on, the size comes from ``training_sets.csv``
  (each row cites its source) and the method says it was assumed, as the authors did; pre-training
  without a stated size is counted only when its statement names a benchmark with a standard set
  ("pretrain the supernet on ImageNet"), else not, and the method says so;
- hardware burden = number of processors x peak FLOP/s per processor x training seconds, with no
  utilisation factor (FP32 GPU peaks, TPU peaks per device; ``extractors.accelerators``);
- separately labelled, 6 x parameters x tokens (Sevilla et al.'s 6ND) when the training set is
  stated in tokens; it never fills a fit's column.

Each derived value says how it was obtained, with its inputs, so a curator can check it.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from extractors.accelerators import peak_flops
from extractors.cues import FINETUNING, PRETRAINING
from extractors.kinds import KIND_SPECS

# The row fields a compute fact fills (``extractors.kinds``: each kind's ``row_field``).
COMPUTE_FIELDS = tuple(spec.row_field for spec in KIND_SPECS if spec.name != "result")
FORWARD_AND_BACKWARD = 3  # Thompson et al.: a backward pass costs about two forward passes
TRAINING_SETS = Path(__file__).with_name("training_sets.csv")
# The row fields whose facts belong to one training phase (``details["phase"]``), and the phases
# a fact can name besides the model's own training (no phase).
PHASED_FIELDS = ("epochs", "training_examples")
PHASES = (PRETRAINING, FINETUNING)


@dataclass(frozen=True)
class TrainingSet:
    examples: float
    unit: str
    source: str


@cache
def standard_training_sets() -> dict[str, TrainingSet]:
    """Benchmark -> the size of its standard training set, from ``training_sets.csv``."""
    with TRAINING_SETS.open(newline="", encoding="utf-8") as handle:
        return {
            row["benchmark"]: TrainingSet(float(row["examples"]), row["unit"], row["source"])
            for row in csv.DictReader(handle)
        }


def phase_of(fact: Any) -> str | None:
    """The training phase an epochs or training-set fact names (``None``: the model's own)."""
    return (getattr(fact, "details", None) or {}).get("phase")


@dataclass(frozen=True)
class Derived:
    value: float | None
    method: str | None = None
    inputs: tuple[dict[str, Any], ...] = ()  # per term: phase, epochs, examples and their facts


def derive_compute(
    cells: Mapping[str, Any],
    benchmark: str | None = None,
    phases: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Derived]:
    """``network_operations``, ``hardware_burden`` and ``six_n_d`` from a row's facts per field
    (``None`` where a row has none), for a result on ``benchmark``; ``phases`` holds the epochs
    and training-examples facts of each :data:`PHASES` phase the paper states."""
    return {
        "network_operations": _network_operations(cells, benchmark, phases or {}),
        "hardware_burden": _hardware_burden(cells.get("hardware"), cells.get("training_time_sec")),
        "six_n_d": _six_n_d(cells.get("parameters"), cells.get("training_examples")),
    }


def _network_operations(
    cells: Mapping[str, Any], benchmark: str | None, phases: Mapping[str, Mapping[str, Any]]
) -> Derived:
    ops = cells.get("ops_forward_pass")
    if not (ops and ops.normalized):
        return Derived(None)
    terms, skipped = [], []
    for phase, facts in (("training", cells), *((p, phases.get(p) or {}) for p in PHASES)):
        epochs = facts.get("epochs")
        if not (epochs and epochs.normalized):
            continue
        term = _phase_term(phase, epochs, facts.get("training_examples"), benchmark)
        if term is None:
            skipped.append(f"{phase} {epochs.normalized:g} epochs (fact {epochs.id})")
        else:
            terms.append(term)
    if not terms:
        return Derived(None)
    passes = sum(t["epochs"] * t["examples"] for t in terms)
    method = (
        f"ops per forward pass {ops.normalized:.4g} (fact {ops.id}) x 3 (forward + backward) x ("
        + " + ".join(
            f"{t['phase']} {t['epochs']:g} epochs (fact {t['epochs_fact']}) x "
            f"{t['examples']:.4g} {t['examples_source']}"
            for t in terms
        )
        + ")"
    )
    if skipped:
        method += f"; not counted, no stated training-set size: {', '.join(skipped)}"
    return Derived(ops.normalized * FORWARD_AND_BACKWARD * passes, method, tuple(terms))


def _phase_term(
    phase: str, epochs: Any, examples: Any, benchmark: str | None
) -> dict[str, Any] | None:
    """One phase's epochs x examples: the stated set size, else the standard training set,
    assumed, of the benchmark trained on (pre-training: the one its statement names, if any)."""
    named = (getattr(epochs, "details", None) or {}).get("dataset")
    trained_on = named if phase == PRETRAINING else benchmark
    if examples is not None and examples.normalized:
        count, source, fact_id = examples.normalized, "training examples (stated)", examples.id
    elif standard := standard_training_sets().get(trained_on or ""):
        count = standard.examples
        source, fact_id = (
            f"{standard.unit}, assumed: the standard training set ({standard.source})",
            None,
        )
    else:
        return None
    return {
        "phase": phase,
        "epochs": epochs.normalized,
        "epochs_fact": epochs.id,
        "examples": count,
        "examples_fact": fact_id,
        "examples_source": source if fact_id is None else f"{source}, fact {fact_id}",
    }


def _hardware_burden(hardware: Any, time: Any) -> Derived:
    if hardware is None or time is None or not time.normalized:
        return Derived(None)  # no training time, no hardware burden (Thompson et al.)
    if not hardware.accelerator or not hardware.count:
        return Derived(None)
    unit = hardware.count_unit or "gpu"
    peak = peak_flops(hardware.accelerator, unit)
    if not peak:
        return Derived(None)
    method = (
        f"{hardware.count:g} {unit} x {peak:.4g} FLOP/s peak ({hardware.accelerator}, FP32) x "
        f"{time.normalized:g} s, no utilisation factor (facts {hardware.id}, {time.id})"
    )
    return Derived(hardware.count * peak * time.normalized, method)


def _six_n_d(params: Any, examples: Any) -> Derived:
    if params is None or examples is None or not params.normalized or not examples.normalized:
        return Derived(None)
    if "token" not in f"{examples.unit or ''} {examples.value}".lower():
        return Derived(None)
    value = 6 * params.normalized * examples.normalized
    method = (
        f"6 x {params.normalized:.4g} parameters x {examples.normalized:.4g} tokens "
        f"(facts {params.id}, {examples.id}; Sevilla et al.'s 6ND, not a Thompson measure)"
    )
    return Derived(value, method)
