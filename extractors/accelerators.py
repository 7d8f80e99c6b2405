"""Accelerator lookups: which row of the specification table a mention names, and its peak.

The table itself is data (``extractors/vocabulary/accelerators.toml``: canonical names, the
patterns papers use, counted units and peak FLOP/s with their sources, and the conventions the
peaks follow). Hardware burden (Thompson et al.) is processors x peak FLOP/s x training seconds,
so every stage looks peaks up here, per counted unit (GPUs; TPU cores, chips or devices).
"""

from __future__ import annotations

from extractors.vocabulary import Accelerator, vocabulary

TERA = 1e12
PRECISIONS = ("fp32", "fp16")


def canonical_accelerator(text: str) -> str | None:
    """The canonical name of the accelerator ``text`` names (vendor words and variants
    dropped)."""
    spec = find_accelerator(text)
    return spec.name if spec else None


def find_accelerator(text: str) -> Accelerator | None:
    """The table row for a mention or canonical name, or None when it names no known one."""
    table = vocabulary().accelerators
    wanted = text.strip().lower()
    for row in table.rows:
        if row.name.lower() == wanted:
            return row
    s = table.normalize(text)
    for row in table.rows:
        if row.pattern.search(s):
            return row
    return None


def peak_flops(accelerator: str, count_unit: str, precision: str = "fp32") -> float | None:
    """Peak FLOP/s per counted unit (``gpu``, ``tpu_core``, ``tpu_chip``, ``tpu_device``).

    ``precision="fp32"`` is Thompson et al.'s convention (FP32 for GPUs, Google's per-device
    figure for TPUs); ``"fp16"`` is the tensor FP16/BF16 peak (Epoch AI's first choice). None
    when the accelerator is unknown, has no such figure, or the unit does not fit its kind.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; expected one of {PRECISIONS}")
    spec = find_accelerator(accelerator)
    if spec is None:
        return None
    if spec.kind == "gpu":
        tflops = spec.fp32_tflops if precision == "fp32" else spec.fp16_tflops
        return tflops * TERA if tflops is not None and count_unit == "gpu" else None
    if spec.kind != "tpu":
        return None
    if precision == "fp32":
        per_chip = spec.fp32_tflops / spec.chips_per_device if spec.fp32_tflops else None
    else:
        per_chip = spec.fp16_tflops
    if per_chip is None:
        return None
    per_unit = {
        "tpu_chip": 1.0,
        "tpu_core": 1.0 / spec.cores_per_chip,
        "tpu_device": float(spec.chips_per_device),
    }
    factor = per_unit.get(count_unit)
    return per_chip * factor * TERA if factor is not None else None
