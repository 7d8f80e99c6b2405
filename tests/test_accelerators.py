"""The accelerator specification table: names, aliases and peaks per counted unit."""

from __future__ import annotations

import pytest

from extractors.accelerators import (
    canonical_accelerator,
    find_accelerator,
    peak_flops,
)
from extractors.vocabulary import vocabulary

T = 1e12


@pytest.mark.parametrize(
    ("mention", "canonical"),
    [
        ("NVIDIA Tesla V100", "V100"),
        ("V100-SXM2-32GB", "V100"),
        ("Volta V100", "V100"),
        ("NVIDIA P100", "P100"),
        ("p100", "P100"),
        ("K80", "K80"),
        ("Tesla K40m", "K40"),
        ("GeForce GTX TITAN X", "TITAN X"),
        ("TITAN Xp", "TITAN Xp"),
        ("Titan X Pascal", "TITAN X (Pascal)"),
        ("GTX 1080Ti", "GTX 1080 Ti"),
        ("GeForce GTX 1080 Ti", "GTX 1080 Ti"),
        ("GEFORCE RTX 3090", "RTX 3090"),
        ("RTX 2080 Ti", "RTX 2080 Ti"),
        ("A100s", "A100"),
        ("H100", "H100"),
        ("TPUv3", "TPU v3"),
        ("TPU-v3", "TPU v3"),
        ("Cloud TPU v3", "TPU v3"),
        ("TPUv3s", "TPU v3"),
        ("TPU v2", "TPU v2"),
        ("TPU-v4", "TPU v4"),
        ("NVidia Kepler", "Kepler"),
        ("Quadro P6000", "P6000"),
        ("Tesla T4", "T4"),
    ],
)
def test_canonical_names_from_mentions(mention: str, canonical: str) -> None:
    assert canonical_accelerator(mention) == canonical


@pytest.mark.parametrize("mention", ["GPU", "TPU", "v3", "YOLOv3", "Intel Core i7", "ResNet-50"])
def test_mentions_that_name_no_accelerator(mention: str) -> None:
    assert canonical_accelerator(mention) is None


def test_canonical_names_map_to_themselves() -> None:
    for row in vocabulary().accelerators.rows:
        assert canonical_accelerator(row.name) == row.name


def test_every_row_cites_a_source_and_has_a_valid_kind() -> None:
    for row in vocabulary().accelerators.rows:
        assert row.source.strip(), row.name
        assert row.kind in ("gpu", "tpu", "architecture"), row.name
        if row.kind != "architecture":
            assert row.fp32_tflops, row.name


@pytest.mark.parametrize(
    ("accelerator", "unit", "precision", "peak"),
    [
        # Thompson et al.'s convention: FP32 for GPUs ...
        ("V100", "gpu", "fp32", 14.1 * T),
        ("P100", "gpu", "fp32", 9.3 * T),
        ("K80", "gpu", "fp32", 4.37 * T),
        ("A100", "gpu", "fp32", 19.5 * T),
        # ... and per-device TPU peaks (4 chips = 8 cores per device)
        ("TPU v3", "tpu_device", "fp32", 420 * T),
        ("TPU v3", "tpu_chip", "fp32", 105 * T),
        ("TPU v3", "tpu_core", "fp32", 52.5 * T),
        ("TPU v2", "tpu_device", "fp32", 180 * T),
        ("TPU v4", "tpu_device", "fp32", 1100 * T),
        # tensor FP16/BF16 peaks (Epoch AI's first choice)
        ("V100", "gpu", "fp16", 112 * T),
        ("A100", "gpu", "fp16", 312 * T),
        ("TPU v3", "tpu_chip", "fp16", 123 * T),
        ("TPU v3", "tpu_core", "fp16", 61.5 * T),
        ("TPU v3", "tpu_device", "fp16", 492 * T),
    ],
)
def test_peak_flops_per_counted_unit(
    accelerator: str, unit: str, precision: str, peak: float
) -> None:
    assert peak_flops(accelerator, unit, precision) == pytest.approx(peak)


def test_peak_flops_accepts_mentions_as_well_as_canonical_names() -> None:
    assert peak_flops("NVIDIA Tesla V100", "gpu") == peak_flops("V100", "gpu")


def test_tpu_counts_in_any_unit_give_the_same_total() -> None:
    per_core = peak_flops("TPU v3", "tpu_core")
    per_chip = peak_flops("TPU v3", "tpu_chip")
    per_device = peak_flops("TPU v3", "tpu_device")
    assert per_core and per_chip and per_device
    assert 128 * per_core == pytest.approx(64 * per_chip) == pytest.approx(16 * per_device)


@pytest.mark.parametrize(
    ("accelerator", "unit", "precision"),
    [
        ("V100", "tpu_core", "fp32"),  # a GPU is not counted in TPU cores
        ("TPU v3", "gpu", "fp32"),
        ("Kepler", "gpu", "fp32"),  # an architecture has no single peak
        ("GTX 1080 Ti", "gpu", "fp16"),  # no tensor cores
        ("Unknown 9000", "gpu", "fp32"),
    ],
)
def test_peak_flops_is_none_when_there_is_no_such_figure(
    accelerator: str, unit: str, precision: str
) -> None:
    assert peak_flops(accelerator, unit, precision) is None


def test_peak_flops_rejects_unknown_precision() -> None:
    with pytest.raises(ValueError, match="precision"):
        peak_flops("V100", "gpu", "int8")


def test_find_accelerator_returns_the_row() -> None:
    row = find_accelerator("TPU v3")
    assert row is not None and row.kind == "tpu" and row.chips_per_device == 4
