"""The accelerator specification table: canonical names, aliases and peak FLOP/s with sources.

Hardware burden (Thompson et al.) is processors x peak FLOP/s x training seconds, so the peak of
each accelerator a paper names must be looked up the same way every time. Two conventions matter:

- GPUs: Thompson et al. use FP32 peaks (e.g. V100 PCIe 14.1 TFLOP/s); Epoch AI prefers tensor
  FP16/BF16 peaks. Both are stored; ``precision`` picks one.
- TPUs: a Cloud TPU v2/v3 *device* is 4 chips = 8 cores. Thompson et al. count TPUs in devices and
  use Google's per-device peaks (v2 180, v3 420, v4 1,100 TFLOP/s); the per-chip BF16 datasheet
  peaks are v2 45, v3 123, v4 275. Counts in papers come in cores, chips or devices, so
  :func:`peak_flops` answers per counted unit.

Where a name covers several boards (P100 PCIe/SXM2, V100 PCIe/SXM2) the row holds the PCIe figures,
as Thompson et al. did; the note says so. Each row cites its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TERA = 1e12
PRECISIONS = ("fp32", "fp16")


@dataclass(frozen=True)
class Accelerator:
    name: str  # canonical name, as facts carry it
    kind: str  # "gpu" | "tpu" | "architecture" (a GPU generation named without a model)
    pattern: str  # regex over the normalized mention (see ``_normalize``)
    fp32_tflops: float | None  # GPUs: per GPU; TPUs: Thompson et al.'s per-device figure
    fp16_tflops: float | None  # GPUs: tensor FP16/BF16 (dense) per GPU; TPUs: BF16 per chip
    source: str
    note: str = ""
    chips_per_device: int = 4  # TPUs only
    cores_per_chip: int = 2  # TPUs only


# Order matters: the first row whose pattern matches wins, so specific names precede general ones.
ACCELERATORS: tuple[Accelerator, ...] = (
    Accelerator(
        "TPU v2",
        "tpu",
        r"\b(?:tpu ?v ?2|v2 ?tpu|tpu ?2)\b",
        180.0,
        45.0,
        "Google Cloud TPU docs, 'System architecture' (v2: 45 TFLOP/s BF16 per chip, "
        "180 per 4-chip device); Thompson et al. 2022 data use 180 per device",
    ),
    Accelerator(
        "TPU v3",
        "tpu",
        r"\b(?:tpu ?v ?3|v3 ?tpu|tpu ?3)\b",
        420.0,
        123.0,
        "Google I/O 2018 (420 TFLOP/s per Cloud TPU v3 device); Cloud TPU docs (123 "
        "TFLOP/s BF16 per chip); Thompson et al. 2022 data use 420 per device",
    ),
    Accelerator(
        "TPU v4",
        "tpu",
        r"\b(?:tpu ?v ?4|v4 ?tpu|tpu ?4)\b",
        1100.0,
        275.0,
        "Cloud TPU docs, 'TPU v4' (275 TFLOP/s BF16 per chip); Thompson et al. 2022 data "
        "use 1,100 per 4-chip device",
    ),
    Accelerator(
        "TPU v5e",
        "tpu",
        r"\b(?:tpu ?v ?5 ?e|v5 ?e ?tpu|v5 ?litepod)\b",
        788.0,
        197.0,
        "Cloud TPU docs, 'TPU v5e' (197 TFLOP/s BF16 per chip, 1 TensorCore per chip)",
        note="fp32 column is 4 chips x BF16 peak, by analogy with the v2-v4 convention",
        cores_per_chip=1,
    ),
    Accelerator(
        "TPU v5p",
        "tpu",
        r"\b(?:tpu ?v ?5 ?p|v5 ?p ?tpu)\b",
        1836.0,
        459.0,
        "Cloud TPU docs, 'TPU v5p' (459 TFLOP/s BF16 per chip, 2 TensorCores per chip)",
        note="fp32 column is 4 chips x BF16 peak, by analogy with the v2-v4 convention",
    ),
    Accelerator(
        "H100",
        "gpu",
        r"\bh100\b",
        67.0,
        989.0,
        "NVIDIA H100 Tensor Core GPU datasheet (SXM: 67 FP32, 989 dense FP16/BF16 tensor)",
        note="SXM figures; PCIe is 51 / 756",
    ),
    Accelerator(
        "A100",
        "gpu",
        r"\ba100\b",
        19.5,
        312.0,
        "NVIDIA A100 Tensor Core GPU datasheet (19.5 FP32, 312 FP16/BF16 tensor dense)",
    ),
    Accelerator(
        "A6000",
        "gpu",
        r"\b(?:rtx )?a6000\b",
        38.7,
        154.8,
        "NVIDIA RTX A6000 datasheet (38.7 FP32, 154.8 tensor FP16 dense)",
    ),
    Accelerator(
        "V100",
        "gpu",
        r"\bv100\b|\btesla volta\b",
        14.1,
        112.0,
        "NVIDIA Tesla V100 datasheet (PCIe: 14 FP32, 112 tensor; SXM2: 15.7 / 125); "
        "Thompson et al. 2022 data use 14.1 (PCIe)",
        note="PCIe figures; SXM2 is 15.7 / 125",
    ),
    Accelerator(
        "TITAN V",
        "gpu",
        r"\btitan ?v\b",
        14.9,
        110.0,
        "NVIDIA TITAN V product page (14.9 FP32 boost, 110 tensor TFLOP/s)",
    ),
    Accelerator(
        "TITAN RTX",
        "gpu",
        r"\btitan ?rtx\b",
        16.3,
        130.0,
        "NVIDIA TITAN RTX product page (16.3 FP32, 130 tensor TFLOP/s)",
    ),
    Accelerator(
        "RTX 3090",
        "gpu",
        r"\b(?:rtx ?)?3090\b",
        35.6,
        71.0,
        "NVIDIA Ampere GA102 whitepaper (RTX 3090: 35.6 FP32; 71 FP16 tensor, FP32 "
        "accumulate, dense)",
    ),
    Accelerator(
        "RTX 2080 Ti",
        "gpu",
        r"\b(?:rtx ?)?2080 ?ti\b",
        13.4,
        53.8,
        "NVIDIA Turing TU102 whitepaper (RTX 2080 Ti reference: 13.4 FP32; 53.8 FP16 "
        "tensor, FP32 accumulate)",
    ),
    Accelerator(
        "GTX 1080 Ti",
        "gpu",
        r"\b(?:gtx ?)?1080 ?ti\b",
        11.3,
        None,
        "NVIDIA GeForce GTX 1080 Ti specifications (11.3 FP32 TFLOP/s boost)",
    ),
    Accelerator(
        "GTX 1080",
        "gpu",
        r"\b(?:gtx ?)?1080\b",
        8.9,
        None,
        "NVIDIA GeForce GTX 1080 specifications (8.9 FP32 TFLOP/s boost)",
    ),
    Accelerator(
        "TITAN Xp",
        "gpu",
        r"\btitan ?xp\b",
        12.1,
        None,
        "NVIDIA TITAN Xp product page (12.1 FP32 TFLOP/s boost)",
    ),
    Accelerator(
        "TITAN X (Pascal)",
        "gpu",
        r"\btitan ?x ?pascal\b",
        11.0,
        None,
        "NVIDIA TITAN X (Pascal) product page (11 FP32 TFLOP/s boost)",
    ),
    Accelerator(
        "TITAN X",
        "gpu",
        r"\btitan ?x\b",
        6.7,
        None,
        "NVIDIA GeForce GTX TITAN X (Maxwell) specifications (6.7 FP32 TFLOP/s boost)",
        note="the 2015 Maxwell card; 'TITAN X (Pascal)' is its own row",
    ),
    Accelerator(
        "TITAN Black",
        "gpu",
        r"\btitan ?black\b",
        5.1,
        None,
        "NVIDIA GeForce GTX TITAN Black specifications (5.1 FP32 TFLOP/s)",
    ),
    Accelerator(
        "P100",
        "gpu",
        r"\bp100\b",
        9.3,
        18.7,
        "NVIDIA Tesla P100 datasheet (PCIe: 9.3 FP32, 18.7 FP16; SXM2: 10.6 / 21.2)",
        note="PCIe figures; SXM2 is 10.6 / 21.2",
    ),
    Accelerator(
        "P40", "gpu", r"\bp40\b", 12.0, None, "NVIDIA Tesla P40 datasheet (12 FP32 TFLOP/s)"
    ),
    Accelerator(
        "P6000",
        "gpu",
        r"\b(?:quadro )?p6000\b",
        12.6,
        None,
        "NVIDIA Quadro P6000 datasheet (12.6 FP32 TFLOP/s)",
    ),
    Accelerator(
        "T4",
        "gpu",
        r"\bt4\b",
        8.1,
        65.0,
        "NVIDIA T4 datasheet (8.1 FP32, 65 FP16 tensor TFLOP/s)",
    ),
    Accelerator("M40", "gpu", r"\bm40\b", 7.0, None, "NVIDIA Tesla M40 datasheet (7 FP32 TFLOP/s)"),
    Accelerator(
        "K80",
        "gpu",
        r"\bk80\b",
        4.37,
        None,
        "NVIDIA Tesla K80 datasheet (8.73 FP32 TFLOP/s with GPU Boost per board of 2 GPUs)",
        note="per GPU, i.e. half a board: papers count K80 'GPUs'",
    ),
    Accelerator(
        "K40",
        "gpu",
        r"\bk40[cm]?\b",
        4.29,
        None,
        "NVIDIA Tesla K40 datasheet (4.29 FP32 TFLOP/s at base clock)",
    ),
    Accelerator(
        "K20", "gpu", r"\bk20[xm]?\b", 3.52, None, "NVIDIA Tesla K20 datasheet (3.52 FP32 TFLOP/s)"
    ),
    Accelerator(
        "GTX 580",
        "gpu",
        r"\b(?:gtx ?)?580\b",
        1.58,
        None,
        "NVIDIA GeForce GTX 580 specifications (1.58 FP32 TFLOP/s)",
    ),
    Accelerator(
        "Kepler",
        "architecture",
        r"\bkepler\b",
        None,
        None,
        "a GPU generation, not a model: no single peak",
        note="peaks vary 1.3-5 TFLOP/s",
    ),
    Accelerator(
        "Pascal",
        "architecture",
        r"\bpascal\b",
        None,
        None,
        "a GPU generation, not a model: no single peak",
    ),
    Accelerator(
        "Volta",
        "architecture",
        r"\bvolta\b",
        None,
        None,
        "a GPU generation, not a model: no single peak",
    ),
)

_BY_NAME = {a.name.lower(): a for a in ACCELERATORS}
_COMPILED = tuple((re.compile(a.pattern), a) for a in ACCELERATORS)


def _normalize(text: str) -> str:
    """Lower-case, vendor words and plurals dropped, separators as spaces: 'TPU-v3s' -> 'tpu v3'."""
    s = text.lower()
    s = re.sub(r"\b(?:nvidia|tesla|geforce|google|cloud)\b", " ", s)
    s = re.sub(r"[-_/()]", " ", s)
    s = re.sub(r"(\d)s\b", r"\1", s)  # plurals: 'TPUv3s', 'V100s'
    return re.sub(r"\s+", " ", s).strip()


def canonical_accelerator(text: str) -> str | None:
    """The canonical name of the accelerator ``text`` names ('NVIDIA Tesla V100' -> 'V100')."""
    spec = find_accelerator(text)
    return spec.name if spec else None


def find_accelerator(text: str) -> Accelerator | None:
    """The table row for a mention or canonical name, or None when it names no known one."""
    if (row := _BY_NAME.get(text.strip().lower())) is not None:
        return row
    s = _normalize(text)
    for pattern, row in _COMPILED:
        if pattern.search(s):
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
