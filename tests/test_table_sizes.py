"""Parameter and FLOPs columns of tables: units, FLOPs vs multiply-adds, linking to the row."""

from __future__ import annotations

import pytest

from extractors.parse.tables import cell_number
from extractors.table_sizes import extract_table_sizes, header_scale, size_column
from tests.fixtures.documents import doc_with


@pytest.mark.parametrize(
    ("header", "kind", "flops_kind", "scale"),
    [
        ("Params", "parameters", None, None),
        ("#Params (M)", "parameters", None, 1e6),
        ("Param. [M]", "parameters", None, 1e6),
        ("FLOPs (G)", "flops", "flops", 1e9),
        ("GFLOPs", "flops", "flops", 1e9),
        ("MFLOPs", "flops", "flops", 1e6),
        ("MACs", "flops", "multiply_adds", None),
        ("Mult-Adds", "flops", "multiply_adds", None),
        ("FLOPs (x10^9)", "flops", "flops", 1e9),
    ],
)
def test_size_headers(header: str, kind: str, flops_kind: str | None, scale: float | None) -> None:
    column = size_column(header)
    assert column is not None
    assert (column.kind, column.flops_kind, column.scale) == (kind, flops_kind, scale)


@pytest.mark.parametrize("header", ["Top-1", "BFLOP/s", "Throughput (im/s)", "Model"])
def test_other_headers_are_not_sizes(header: str) -> None:
    assert size_column(header) is None


def test_header_scale_words() -> None:
    assert header_scale("Params (millions)") == 1e6
    assert header_scale("Params") is None


def test_sizes_link_to_the_row_model_and_normalize() -> None:
    rows = [
        ["Model", "Params", "Mult-Adds", "FLOPs (G)", "Top-1"],
        ["MobileNet [14]", "4.2M", "569M", "1.1", "70.6"],
        ["Ours-5", "5.1M", "588M", "1.2*", "74.2"],
    ]
    facts = extract_table_sizes(doc_with(rows, "Table 4: ImageNet results."))
    by = {(f.kind, f.flops_kind, f.model): f for f in facts}
    params = by[("parameters", None, "Ours-5")]
    assert params.normalized == pytest.approx(5.1e6)
    assert params.rule == "cell_suffix"
    madds = by[("flops", "multiply_adds", "Ours-5")]
    assert madds.normalized == pytest.approx(2 * 588e6)  # a multiply-add is two FLOPs
    assert madds.details["count_as_printed"] == pytest.approx(588e6)
    # Same model, kind and page as the multiply-adds: the store keeps one fact per such
    # identity, so the second is named after its table.
    flops = by[("flops", "flops", "Ours-5 (Table 4)")]
    assert flops.normalized == pytest.approx(1.2e9)
    assert flops.value == "1.2*"
    assert "Ours-5" in flops.evidence and flops.page == 3


def test_unitless_columns_are_assumed_with_low_confidence() -> None:
    rows = [["Model", "Params", "FLOPs"], ["Net-A", "25.6", "4.1"], ["Net-B", "60.2", "11.5"]]
    facts = extract_table_sizes(doc_with(rows, "Table 1: Sizes."))
    params = next(f for f in facts if f.kind == "parameters" and f.model == "Net-A")
    flops = next(f for f in facts if f.kind == "flops" and f.model == "Net-A")
    assert params.normalized == pytest.approx(25.6e6) and params.rule == "assumed_millions"
    assert flops.normalized == pytest.approx(4.1e9) and flops.rule == "assumed_billions"
    assert max(params.confidence, flops.confidence) < 0.5


def test_full_counts_need_no_unit_and_mixed_headers_are_skipped() -> None:
    rows = [
        ["Model", "Parameter count"],
        ["Xception", "22,855,952"],
        ["Inception V3", "23,626,728"],
    ]
    (xception, _) = extract_table_sizes(doc_with(rows, "Table 3: Size comparison."))
    assert xception.normalized == 22_855_952 and xception.rule == "count_as_printed"
    assert size_column("#param. FLOPs") is None


@pytest.mark.parametrize(
    ("rows", "model", "params", "flops"),
    [
        (  # RepVGG, Table 5: "Params (M)" and "FLOPs (B)" headers merged over two columns
            [
                ["Model", "Top-1 acc", "Theo Params Speed (M)", "Theo Params FLOPs (M) (B)"],
                ["RepVGG-A0", "72.41", "8.30", "1.4"],
                ["RepVGG-B2", "78.78", "80.31", "18.4"],
            ],
            "RepVGG-B2",
            80.31e6,
            18.4e9,
        ),
        (  # ConvNeXt, Table 1: "image size #param. FLOPs" over shifted columns
            [
                ["model", "image #param. FLOPs size", "image #param. FLOPs size trained",
                 "image #param. FLOPs size", "top-1 acc."],
                ["• ConvNeXt-L", "224 2", "198M", "34.4G", "86.6"],
                ["• ConvNeXt-XL", "224 2", "350M", "60.9G", "87.0"],
            ],
            "• ConvNeXt-XL 224 2",  # "224²" set apart is text: part of the label
            350e6,
            60.9e9,
        ),
        (  # RandWire, Table 4: "FLOPs (B) params (M)" over two unsuffixed columns
            [
                ["test network size", "epochs top-1 acc.", "top-5 acc.", "FLOPs (B) params (M)",
                 "FLOPs (B) params (M)"],
                ["NASNet-A [56] 331 2", "82.7", "96.2", "23.8", "88.9"],
                ["RandWire-WS 320 2", "81.6 ± 0.13", "95.6 ± 0.07", "16.0 ± 0.36", "61.5 ± 1.32"],
            ],
            "RandWire-WS 320 2",
            61.5e6,
            16.0e9,
        ),
        (  # MViT, Table 7: "FLOPs × views Param" over two columns (header as printed)
            [
                ["model", "mAP", "FLOPs × views Param", "FLOPs × views Param"],
                ["Nonlocal [101]", "37.5", "544", "54.3"],
                ["MViT-B, 16×4", "40.0", "70.5", "36.4"],
            ],
            "MViT-B, 16×4",
            36.4e6,
            70.5e9,
        ),
    ],
)  # fmt: skip
def test_a_header_shared_by_params_and_flops_is_resolved_per_column(
    rows: list[list[str]], model: str, params: float, flops: float
) -> None:
    facts = extract_table_sizes(doc_with(rows, "Table 5: ImageNet."))
    mine = {f.kind: f.normalized for f in facts if f.model == model}
    assert mine["parameters"] == pytest.approx(params)
    assert mine["flops"] == pytest.approx(flops)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (  # VOLO (2106.13112) Table 2: the caption's last line above repeats over the columns
            [
                [*["Outlooker block or a Transformer block."] * 3, "", ""],
                ["Specification", "VOLO-D1", "VOLO-D2", "VOLO-D3", "VOLO-D5"],
                ["Patch Embedding", "8 × 8", "8 × 8", "8 × 8", "8 × 8"],
                ["Total Layers", "18", "24", "36", "48"],
                ["Parameters", "26.6M", "58.7M", "86.3M", "296M"],
            ],
            {("parameters", "VOLO-D1"): 26.6e6, ("parameters", "VOLO-D2"): 58.7e6,
             ("parameters", "VOLO-D3"): 86.3e6, ("parameters", "VOLO-D5"): 296e6},
        ),
        (  # SKNet (1903.06586) Table 1, under its architecture rows
            [
                ["Output", "ResNeXt-50 (32 × 4d)", "SENet-50", "SKNet-50"],
                ["112 × 112", "7 × 7, 64, stride 2", "7 × 7, 64, stride 2", "7 × 7, 64, stride 2"],
                ["#P", "25.0M", "27.7M", "27.5M"],
                ["GFLOPs", "4.24", "4.25", "4.47"],
            ],
            {("parameters", "SKNet-50"): 27.5e6, ("flops", "SKNet-50"): 4.47e9,
             ("parameters", "ResNeXt-50 (32 × 4d)"): 25e6, ("flops", "SENet-50"): 4.25e9,
             ("parameters", "SENet-50"): 27.7e6, ("flops", "ResNeXt-50 (32 × 4d)"): 4.24e9},
        ),
        (  # ResMLP (2105.03404) Table 2: the unit in the row label
            [
                ["Models", "ResNet-50", "ViT-S/16", "ResMLP-S12"],
                ["Params. ( × 10 6 )", "25", "22", "15"],
                ["Linear", "75.3", "77.0", "67.5"],
            ],
            {("parameters", "ResNet-50"): 25e6, ("parameters", "ViT-S/16"): 22e6,
             ("parameters", "ResMLP-S12"): 15e6},
        ),
    ],
)  # fmt: skip
def test_size_rows_of_a_table_whose_columns_are_models(
    rows: list[list[str]], expected: dict[tuple[str, str], float]
) -> None:
    # the header rows run down to the first row with a number, as the parser reads such tables
    header_rows = next(i for i, r in enumerate(rows) if any(cell_number(c) for c in r[1:]))
    facts = extract_table_sizes(doc_with(rows, "Table 1: Specifications.", header_rows=header_rows))
    found = {(f.kind, f.model): f.normalized for f in facts}
    assert found == pytest.approx(expected)


def test_a_size_row_with_a_misread_cell_is_not_read() -> None:
    # ResNet (1512.03385) Table 1: "1.8 × 10" and its exponent "9" in two cells
    rows = [
        ["layer name", "18-layer", "18-layer", "34-layer", "34-layer"],
        ["conv1", "7 × 7, 64", "", "7 × 7, 64", ""],
        ["FLOPs", "1.8 × 10", "9", "3.6 × 10", "9"],
    ]
    assert extract_table_sizes(doc_with(rows, "Table 1. Architectures.", header_rows=1)) == []


def test_a_multiple_of_another_models_size_is_no_count() -> None:
    # EfficientDet (1911.09070) Table 5: the feature networks' sizes relative to the first row.
    rows = [
        ["Model", "AP", "#Params ratio", "#FLOPs ratio"],
        ["Repeated top-down FPN", "42.29", "1.0x", "1.0x"],
        ["BiFPN (w/o weighted)", "43.94", "0.88x", "0.67x"],
        ["BiFPN (w/ weighted)", "44.39", "0.88x", "0.68x"],
    ]
    assert extract_table_sizes(doc_with(rows, "Table 5: Comparison of feature networks.")) == []
