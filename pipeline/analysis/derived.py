"""Compute measures derived from a row's cells, as Thompson et al. define them, with the method.

- operations per forward pass: the paper's FLOPs, multiply-adds x 2 (already in the FLOPs fact);
- network operations = operations per forward pass x 3 (forward and backward) x epochs x training
  examples; when a paper states its epochs but not the size of the benchmark's standard training
  set it trains on, the size comes from ``training_sets.csv`` (each row cites its source) and the
  method says it was assumed, as the authors did (pre-training is not added yet);
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
from extractors.kinds import KIND_SPECS

# The row fields a compute fact fills (``extractors.kinds``: each kind's ``row_field``).
COMPUTE_FIELDS = tuple(spec.row_field for spec in KIND_SPECS if spec.name != "result")
FORWARD_AND_BACKWARD = 3  # Thompson et al.: a backward pass costs about two forward passes
TRAINING_SETS = Path(__file__).with_name("training_sets.csv")


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


@dataclass(frozen=True)
class Derived:
    value: float | None
    method: str | None = None


def derive_compute(cells: Mapping[str, Any], benchmark: str | None = None) -> dict[str, Derived]:
    """``network_operations``, ``hardware_burden`` and ``six_n_d`` from a row's facts per field
    (``None`` where a row has none), for a result on ``benchmark``."""
    return {
        "network_operations": _network_operations(cells, benchmark),
        "hardware_burden": _hardware_burden(cells.get("hardware"), cells.get("training_time_sec")),
        "six_n_d": _six_n_d(cells.get("parameters"), cells.get("training_examples")),
    }


def _network_operations(cells: Mapping[str, Any], benchmark: str | None) -> Derived:
    ops, epochs, examples = (
        cells.get(name) for name in ("ops_forward_pass", "epochs", "training_examples")
    )
    if not (ops and ops.normalized and epochs and epochs.normalized):
        return Derived(None)
    if examples is not None and examples.normalized:
        count, source = examples.normalized, f"training examples (fact {examples.id})"
    elif (standard := standard_training_sets().get(benchmark or "")) is not None:
        count = standard.examples
        source = f"{standard.unit}, assumed: the standard training set ({standard.source})"
    else:
        return Derived(None)
    value = ops.normalized * FORWARD_AND_BACKWARD * epochs.normalized * count
    method = (
        f"ops per forward pass {ops.normalized:.4g} (fact {ops.id}) x 3 (forward + backward) x "
        f"{epochs.normalized:g} epochs (fact {epochs.id}) x {count:.4g} {source}"
    )
    return Derived(value, method)


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
