"""Model rows: a paper's facts grouped per model, with why each cell was linked, and the
observations built from the accepted cells (where exact-name joins lost the compute)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ModelRow, Observation, Paper
from extractors.rows import aligned_name, assemble, row_key
from pipeline.analysis.observations import rebuild_extracted
from pipeline.rows import refresh_rows
from tests.test_observations import fact, paper


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ResNet-152 (val)", "152-layer ResNet"),
        ("ResNet-152†", "resnet152"),
        ("ResNeXt-101 32×4d", "ResNeXt-101 (32x4d)"),
        ("EfficientNet-B7 (ours)", "EfficientNet-B7"),
        ("ConvNeXt-XL (ImageNet-22K)", "ConvNeXt-XL"),
        ("DeiT-B@384", "DeiT-B"),
        ("BERT_LARGE", "BERT-Large"),
        ("ViT-L/16 [12]", "ViT-L/16"),
        ("Mask R-CNN (test-dev)", "Mask R-CNN"),
        ("Ours-JFT (ViT-H/14)", "ViT-H/14"),
        ("CycleMLP-B4 (71.5M)", "CycleMLP-B4"),
        ("SKNet-101 (ours) (Table 2)", "SKNet-101"),
    ],
)
def test_names_papers_vary_align(a: str, b: str) -> None:
    assert aligned_name(a) == aligned_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [  # a column header read into the name nests its brackets (three papers)
        ("SuperVision (Error (top-5))", "SuperVision"),
        ("ShuffleNet 1 × (Classification error (%) g = 2)", "ShuffleNet 1×"),
        ("SKNet-101 (ours) (top-1 err (%) #P 320 ×)", "SKNet-101 (Table 2)"),
        # a squared resolution, its superscript set apart by the PDF ("384²" as "384 2")
        ("• ConvNeXt-XL 384 2", "• ConvNeXt-XL ‡"),
        ("◦ Swin-B ‡ 640 2", "◦ Swin-B 384 2"),
        ("RandWire-WS 320 2", "RandWire-WS"),
        ("ConvNeXt-XL 384²", "ConvNeXt-XL"),
    ],
)
def test_nested_header_brackets_and_squared_resolutions_align(a: str, b: str) -> None:
    assert aligned_name(a) == aligned_name(b)


def test_a_squared_resolution_is_not_read_into_a_depth_or_a_width() -> None:
    assert aligned_name("ResNet-101 2×") != aligned_name("ResNet-101")
    assert aligned_name("ResNet 152") != aligned_name("ResNet")
    assert row_key("• ConvNeXt-XL 384 2") != row_key("• ConvNeXt-XL 224 2")  # variants stay rows


def test_a_parameter_count_reaches_the_row_named_with_a_header() -> None:
    facts = [
        F(1, "result", "SKNet-101 (ours)", "imagenet", "top1", page=5, bbox=(62, 275, 282, 283)),
        F(2, "result", "SKNet-101 (ours) (top-1 err (%) #P 320 ×)", "imagenet", "top1", page=5),
        F(3, "parameters", "SKNet-101 (ours) (Table 2)", page=5, bbox=(62, 275, 282, 283)),
    ]
    assert cells(assemble(facts), "SKNet-101 (ours) (top-1 err (%) #P 320 ×)")[3] == (
        "parameters",
        "name alignment",
    )


@pytest.mark.parametrize(
    ("family", "kind", "models"),
    [
        ("LSTMs", "parameters", ("Single reversed LSTM, beam size 12", "Ensemble of 5 LSTMs")),
        ("CondenseNets", "epochs", ("CondenseNet-86", "CondenseNet light-94")),
    ],
)
def test_a_statement_about_a_family_in_the_plural_holds_for_each_own_member(
    family: str, kind: str, models: tuple[str, str]
) -> None:
    facts = [
        *(F(i, "result", m, "imagenet", "top1") for i, m in enumerate(models, start=1)),
        F(3, "result", "ResNet-50 [12]", "imagenet", "top1",
          details={"quoted_from_other_paper": True}),
        F(4, kind, family, page=3),
    ]  # fmt: skip
    rows = assemble(facts)
    for model in models:
        assert cells(rows, model)[4][1] == "name contains"
    assert 4 not in cells(rows, "ResNet-50 [12]")
    assert not [r for r in rows if r.model == family]  # no row of its own to merge by hand
    assert 4 not in cells(assemble([*facts[:3], F(4, "flops", family)]), models[0])  # per model


def test_different_models_stay_apart() -> None:
    assert aligned_name("ResNet-50") != aligned_name("ResNet-152")
    assert aligned_name("ViT-B/16") != aligned_name("ViT-B/32")
    # variants are rows of their own; only linking looks past the qualifier
    assert row_key("Transformer (big)") != row_key("Transformer (base model)")
    assert row_key("DeiT-B@384") != row_key("DeiT-B")
    assert row_key("ResNet-152 (val)") == row_key("ResNet-152")
    assert aligned_name("Transformer (big)") != aligned_name("Transformer (base model)")


@pytest.mark.parametrize(
    ("distilled", "plain"),
    [  # DeiT's alembic mark, as DeiT and TinyViT print it (dev corpus, two papers)
        ("DeiT-B ⚗", "DeiT-B"),
        ("DeiT-B⚗ ↑384", "DeiT-B ↑384"),
        ("TinyViT-5M⚗ (ours)", "TinyViT-5M (ours)"),
        ("TinyViT-21M ⚗ ( ours )", "TinyViT-21M ( ours )"),
    ],
)
def test_the_distillation_mark_names_another_model(distilled: str, plain: str) -> None:
    # the same FLOPs, another score: a footnote mark ("†", "‡") would say the same model
    assert row_key(distilled) != row_key(plain)
    assert aligned_name(distilled) != aligned_name(plain)
    assert row_key(distilled) == row_key(distilled.replace("⚗", " ⚗ "))
    assert row_key(plain + " †") == row_key(plain)


def test_a_distilled_model_and_its_plain_twin_are_two_rows_with_their_own_flops() -> None:
    plain, distilled = "TinyViT-5M ( ours )", "TinyViT-5M ⚗ ( ours )"
    facts = [  # TinyViT's Table 4: "TinyViT-5M (ours) 79.1 ... 1.3" over "TinyViT-5M⚗ (ours) 80.7"
        F(1, "result", plain, "imagenet", "top1", page=13, bbox=(60, 300, 90, 308)),
        F(2, "result", distilled, "imagenet", "top1", page=13, bbox=(60, 310, 90, 318)),
        F(3, "flops", plain, page=13, bbox=(60, 300, 150, 308)),
        F(4, "flops", distilled, page=13, bbox=(60, 310, 150, 318)),
    ]
    rows = assemble(facts)
    assert set(cells(rows, plain)) == {1, 3}
    assert set(cells(rows, distilled)) == {2, 4}


@dataclass
class F:
    id: int
    kind: str
    model: str | None = None
    benchmark: str | None = None
    metric: str | None = None
    page: int | None = 1
    bbox: Any = None
    confidence: float = 0.5
    details: dict[str, Any] | None = field(default_factory=dict)


def cells(rows: list[Any], model: str) -> dict[int, tuple[str, str]]:
    row = next(r for r in rows if r.model == model)
    return {c.fact_id: (c.field, c.link) for c in row.cells}


def test_rows_link_table_rows_aliases_and_paper_level_statements() -> None:
    facts = [
        F(1, "result", "ResNet-152 (val)", "imagenet", "top1", bbox=(0, 100, 500, 110)),
        F(2, "result", "VGG-16 [30]", "imagenet", "top1", bbox=(0, 120, 500, 130),
          details={"quoted_from_other_paper": True}),
        F(3, "flops", "ResNet-152 (val)", page=1, bbox=(0, 100, 500, 110)),
        F(4, "parameters", "152-layer ResNet", page=4),
        F(5, "hardware", None, page=5),
        F(6, "epochs", None, page=5),
        F(7, "parameters", "Inception-v3", page=6),
    ]  # fmt: skip
    rows = assemble(facts)
    resnet = cells(rows, "ResNet-152 (val)")
    assert resnet[3] == ("ops_forward_pass", "same table row")
    assert resnet[4] == ("parameters", "name alignment")
    assert resnet[5] == ("hardware", "paper-level statement")
    assert resnet[6] == ("epochs", "paper-level statement")
    vgg = next(r for r in rows if r.model == "VGG-16 [30]")
    assert not vgg.own and 5 not in cells(rows, "VGG-16 [30]")  # another paper's training
    assert "152-layer ResNet" in next(r for r in rows if r.model == "ResNet-152 (val)").aliases
    assert cells(rows, "Inception-v3") == {7: ("parameters", "same name")}  # left to merge


def test_a_statement_naming_a_benchmark_is_about_the_rows_scored_on_it() -> None:
    """A paper-level statement that names a benchmark is the training of that benchmark's
    models, not every row's: "We train the COCO models with an 8-GPU implementation" (ResNet),
    "On WMT En → Fr, it takes around 6 days to train a basic model using 96 NVIDIA K80 GPUs"
    (GNMT, which also reports En-De). A statement naming no benchmark stays every own row's."""
    facts = [
        F(1, "result", "ResNet-50", "imagenet", "top1"),
        F(2, "result", "Faster R-CNN", "coco", "box_ap"),
        F(3, "hardware", None, "coco", page=10),
        F(4, "hardware", None, None, page=7),
        F(5, "result", "GNMT (En-De)", "wmt14_en_de", "bleu"),
        F(6, "result", "GNMT (En-Fr)", "wmt14_en_fr", "bleu"),
        F(7, "training_time", None, "wmt14_en_fr", page=9),
    ]
    rows = assemble(facts)
    assert set(cells(rows, "ResNet-50")) == {1, 4}
    assert set(cells(rows, "Faster R-CNN")) == {2, 3, 4}
    assert set(cells(rows, "GNMT (En-De)")) == {4, 5}
    assert set(cells(rows, "GNMT (En-Fr)")) == {4, 6, 7}


def test_a_model_scored_on_two_benchmarks_is_a_row_per_benchmark() -> None:
    """ShuffleNet (1707.01083) reports "ShuffleNet 2x (g = 3)" on ImageNet (Table 5, with its
    MFLOPs) and as a COCO detector (Table 7); the Transformer (1706.03762) on WMT En-De and
    En-Fr. Each is its own data point, with its own compute: one row would propose one score."""
    imagenet, coco = (0, 100, 500, 110), (0, 300, 500, 310)
    facts = [
        F(1, "result", "ShuffleNet 2× (g = 3)", "imagenet", "top1", page=6, bbox=imagenet),
        F(2, "flops", "ShuffleNet 2× (g = 3)", page=6, bbox=imagenet),
        F(3, "result", "ShuffleNet 2× (g = 3)", "coco", "box_ap", page=7, bbox=coco),
        F(4, "flops", "ShuffleNet 2× (g = 3)", page=7, bbox=coco),
        F(5, "parameters", "ShuffleNet 2x (g=3)", page=3),
        F(6, "hardware", None, "coco", page=5),
        F(7, "hardware", None, None, page=5),
    ]
    rows = {row.key: row for row in assemble(facts)}
    key = row_key("ShuffleNet 2× (g = 3)")
    assert set(rows) == {key, f"{key}@coco"}  # the first benchmark keeps the model's key
    by_key = {k: {c.fact_id: c.link for c in row.cells} for k, row in rows.items()}
    assert by_key[key] == {
        1: "same name", 2: "same table row", 5: "name alignment", 7: "paper-level statement"
    }  # fmt: skip
    assert by_key[f"{key}@coco"] == {
        3: "same name", 4: "same table row", 5: "name alignment", 6: "paper-level statement",
        7: "paper-level statement",
    }  # fmt: skip
    assert rows[key].benchmarks == {"imagenet"} and rows[f"{key}@coco"].benchmarks == {"coco"}


def test_a_model_scored_on_one_benchmark_stays_one_row() -> None:
    facts = [
        F(1, "result", "ResNet-152", "imagenet", "top1"),
        F(2, "result", "ResNet-152", "imagenet", "top5"),
        F(3, "flops", "ResNet-152"),
    ]
    (row,) = assemble(facts)
    assert row.key == row_key("ResNet-152") and {c.fact_id for c in row.cells} == {1, 2, 3}


def test_a_size_cell_goes_with_the_result_under_its_own_spanning_header() -> None:
    # One table row, two model variants side by side: SENet (1709.01507) Table 2
    # "re-implementation | SENet" over "top-1 err. | GFLOPs"; Twins (2104.13840) Table 7
    # "RetinaNet | Mask RCNN" over "Param(M) | AP".
    box = (0, 100, 500, 110)
    facts = [
        F(1, "result", "Inception-ResNet-v2 [21] (val)", "imagenet", "top1", bbox=box,
          details={"header": "re-implementation top-1 err."}),
        F(2, "result", "Inception-ResNet-v2 [21] (SENet top-1 err.)", "imagenet", "top1",
          bbox=box, details={"header": "SENet top-1 err."}),
        F(3, "flops", "Inception-ResNet-v2 [21]", bbox=box,
          details={"header": "re-implementation GFLOPs"}),
        F(4, "flops", "Inception-ResNet-v2 [21] (Table 2)", bbox=box,
          details={"header": "SENet GFLOPs"}),
        F(5, "result", "Swin-T [4]", "coco", "box_ap", bbox=(0, 130, 500, 140),
          details={"header": "RetinaNet AP"}),
        F(6, "result", "Swin-T [4] (Mask RCNN AP)", "coco", "box_ap", bbox=(0, 130, 500, 140),
          details={"header": "Mask RCNN AP"}),
        F(7, "parameters", "Swin-T [4] (Table 7)", bbox=(0, 130, 500, 140),
          details={"header": "Mask RCNN Param(M)"}),
    ]  # fmt: skip
    rows = assemble(facts)
    assert cells(rows, "Inception-ResNet-v2 [21] (val)")[3][1] == "same table row"
    assert 4 not in cells(rows, "Inception-ResNet-v2 [21] (val)")
    assert cells(rows, "Inception-ResNet-v2 [21] (SENet top-1 err.)")[4][1] == "same table row"
    assert cells(rows, "Swin-T [4] (Mask RCNN AP)")[7][1] == "same table row"
    # a parameter count also serves the variant's siblings, but by name, not as its table row
    assert cells(rows, "Swin-T [4]")[7][1] == "name alignment"


def test_a_parameter_count_serves_every_resolution_variant_flops_only_one() -> None:
    facts = [
        F(1, "result", "DeiT-B", "imagenet", "top1"),
        F(2, "result", "DeiT-B ↑384", "imagenet", "top1"),
        F(3, "parameters", "DeiT-B (86M)"),
        F(4, "flops", "DeiT-B (17.6G)"),
    ]
    rows = assemble(facts)
    assert 3 in cells(rows, "DeiT-B") and 3 in cells(rows, "DeiT-B ↑384")
    assert 4 not in cells(rows, "DeiT-B") and 4 not in cells(rows, "DeiT-B ↑384")


def test_a_shortened_name_links_to_the_only_own_row_containing_it() -> None:
    facts = [
        F(1, "result", "Ours-JFT (ViT-H/14)", "imagenet", "top1"),
        F(2, "result", "BiT-L [20]", "imagenet", "top1", details={"quoted_from_other_paper": True}),
        F(3, "parameters", "ViT-Huge"),
    ]
    assert cells(assemble(facts), "Ours-JFT (ViT-H/14)")[3] == ("parameters", "name contains")


def test_observation_takes_compute_named_differently(session: Session) -> None:
    """The exact-name join lost these: 'ResNet-152 (val)' vs '152-layer ResNet'."""
    p = paper(session)
    fact(session, p, "result", benchmark="imagenet", metric="top1", model="ResNet-152 (val)",
         value="78.57", error=0.2143, confidence=0.9)  # fmt: skip
    fact(session, p, "parameters", model="152-layer ResNet", normalized=60.2e6)
    fact(session, p, "flops", model="ResNet-152", normalized=22.6e9)
    fact(session, p, "flops", model="ResNet-152", normalized=1e9, status="rejected")
    fact(session, p, "flops", model="ResNet-152", normalized=2e9, status="pending")
    rebuild_extracted(session)
    (obs,) = session.scalars(select(Observation)).all()
    assert obs.parameters == 60.2e6 and obs.ops_forward_pass == 22.6e9
    assert obs.details["links"]["parameters"] == "name alignment"


def test_network_operations_and_six_n_d_with_their_methods(session: Session) -> None:
    p = paper(session)
    fact(session, p, "result", benchmark="imagenet", metric="top1", model="Net",
         value="80", error=0.2, confidence=0.9)  # fmt: skip
    fact(session, p, "flops", model="Net", normalized=4e9)
    fact(session, p, "parameters", model="Net", normalized=25e6)
    fact(session, p, "epochs", normalized=90.0)
    fact(session, p, "training_set", normalized=1.28e6, value="1.28M", unit="images")
    rebuild_extracted(session)
    (obs,) = session.scalars(select(Observation)).all()
    assert obs.network_operations == pytest.approx(4e9 * 3 * 90 * 1.28e6)
    assert "x 3 (forward + backward)" in obs.details["methods"]["network_operations"]
    assert obs.details["six_n_d"] is None  # images are not tokens


def _decided_net_row(session: Session, status: str) -> Paper:
    """A paper whose one row, "Net" with an ImageNet score, a curator decided (``status``)."""
    p = paper(session)
    fact(session, p, "result", benchmark="imagenet", metric="top1", model="Net",
         value="80", error=0.2, confidence=0.9)  # fmt: skip
    refresh_rows(session, p)
    session.scalars(select(ModelRow)).one().status = status
    return p


def test_a_rejected_row_feeds_no_observation_and_survives_re_assembly(session: Session) -> None:
    p = _decided_net_row(session, "rejected")
    refresh_rows(session, p)
    assert session.scalars(select(ModelRow)).one().status == "rejected"
    rebuild_extracted(session)
    assert session.scalars(select(Observation)).all() == []


def test_network_operations_assume_the_standard_training_set_when_none_is_stated(
    session: Session,
) -> None:
    p = paper(session)
    fact(session, p, "result", benchmark="imagenet", metric="top1", model="Net",
         value="80", error=0.2, confidence=0.9)  # fmt: skip
    fact(session, p, "flops", model="Net", normalized=4e9)
    fact(session, p, "epochs", normalized=300.0)
    rebuild_extracted(session)
    (obs,) = session.scalars(select(Observation)).all()
    assert obs.network_operations == pytest.approx(4e9 * 3 * 300 * 1_281_167)
    assert "assumed: the standard training set" in obs.details["methods"]["network_operations"]


@pytest.mark.parametrize(
    ("sized", "other"),
    [  # Transformer's Table 3 rows "base" / "big" beside its Table 2 models
        ("Transformer (big)", "Transformer (base model)"),
        # DeBERTa: "We use 4 DGX-2 with 64 V100 GPUs to train the base model."
        ("DeBERTa base", "DeBERTa large"),
    ],
)
def test_a_size_word_alone_names_the_papers_own_model_of_that_size(sized: str, other: str) -> None:
    word = "big" if "big" in sized else "base"
    facts = [
        F(1, "result", sized, "wmt14_en_de", "bleu"),
        F(2, "result", other, "wmt14_en_de", "bleu"),
        F(3, "result", f"BERT {word} Devlin et al. (2019)", "wmt14_en_de", "bleu",
          details={"quoted_from_other_paper": True, "named_in_title": True}),
        F(4, "result", f"{word} (dev)", "wmt14_en_de", "bleu", page=9, bbox=(0, 300, 500, 310)),
        F(5, "parameters", word, page=9, bbox=(0, 300, 500, 310)),
        F(6, "hardware", word, page=7),
        F(7, "result", "(B)", "wmt14_en_de", "bleu", page=9),  # "base" and "(B)" share a key
    ]  # fmt: skip
    rows = assemble(facts)
    mine = cells(rows, sized)
    assert mine[4] == ("score", "name contains")
    assert mine[5] == ("parameters", "same table row")
    assert mine[6] == ("hardware", "name contains")
    assert not {4, 5, 6} & set(cells(rows, other)) and not {4, 5, 6} & set(cells(rows, "(B)"))
    assert not [r for r in rows if r.model in (word, f"{word} (dev)")]


def test_a_size_word_with_no_single_own_model_keeps_its_row() -> None:
    facts = [
        F(1, "result", "RoBERTa base", "squad11", "f1"),
        F(2, "result", "DeBERTa base", "squad11", "f1"),
        F(3, "training_time", "base", page=8),
    ]
    rows = assemble(facts)
    assert cells(rows, "base") == {3: ("training_time_sec", "same name")}  # a curator decides


def test_network_operations_sum_the_stated_phases(session: Session) -> None:
    """ConvNeXt-XL as the FutureTech authors count it: 179 GFLOPs x 3 x (300 x 1.28M training +
    90 x 14M pre-training + 30 x 1.28M fine-tuning, the standard set assumed)."""
    p = paper(session)
    fact(session, p, "result", benchmark="imagenet", metric="top1", model="Net",
         value="87.8", error=0.122, confidence=0.9)  # fmt: skip
    fact(session, p, "flops", model="Net", normalized=179e9)
    fact(session, p, "epochs", normalized=300.0)
    fact(session, p, "training_set", normalized=1.28e6, value="1.28M", unit="images")
    fact(session, p, "epochs", normalized=90.0, details={"phase": "pretraining"})
    fact(session, p, "training_set", normalized=14e6, value="14M", unit="images",
         details={"phase": "pretraining"})  # fmt: skip
    fact(session, p, "epochs", normalized=30.0, details={"phase": "finetuning"})
    rebuild_extracted(session)
    (obs,) = session.scalars(select(Observation)).all()
    passes = 300 * 1.28e6 + 90 * 14e6 + 30 * 1_281_167
    assert obs.network_operations == pytest.approx(179e9 * 3 * passes)
    inputs = obs.details["network_operations_inputs"]
    assert [(i["phase"], i["epochs"]) for i in inputs] == [
        ("training", 300), ("pretraining", 90), ("finetuning", 30)
    ]  # fmt: skip
    assert inputs[2]["examples_fact"] is None  # assumed, and the method says so
    assert "finetuning 30 epochs" in obs.details["methods"]["network_operations"]
    assert len(obs.fact_ids) == 7


def test_pre_training_without_a_stated_set_is_not_counted_and_says_so(session: Session) -> None:
    p = paper(session)
    fact(session, p, "result", benchmark="imagenet", metric="top1", model="Net",
         value="80", error=0.2, confidence=0.9)  # fmt: skip
    fact(session, p, "flops", model="Net", normalized=4e9)
    fact(session, p, "epochs", normalized=7.0, details={"phase": "pretraining"})
    fact(session, p, "epochs", normalized=30.0, details={"phase": "finetuning"})
    rebuild_extracted(session)
    (obs,) = session.scalars(select(Observation)).all()
    assert obs.network_operations == pytest.approx(4e9 * 3 * 30 * 1_281_167)
    method = obs.details["methods"]["network_operations"]
    assert "not counted, no stated training-set size: pretraining 7 epochs" in method


def test_pre_training_on_the_benchmark_itself_assumes_its_standard_set(session: Session) -> None:
    p = paper(session)
    fact(session, p, "result", benchmark="imagenet", metric="top1", model="Net",
         value="84.1", error=0.159, confidence=0.9)  # fmt: skip
    fact(session, p, "flops", model="Net", normalized=2.1e9)
    fact(session, p, "epochs", normalized=1100.0,
         details={"phase": "pretraining", "dataset": "imagenet"})  # fmt: skip
    rebuild_extracted(session)
    (obs,) = session.scalars(select(Observation)).all()
    assert obs.network_operations == pytest.approx(2.1e9 * 3 * 1100 * 1_281_167)
    assert "pretraining 1100 epochs" in obs.details["methods"]["network_operations"]


def test_a_variant_code_without_its_family_names_the_bare_main_row() -> None:
    """Specification tables drop the family ("S/32 | B/16 | H/14" under "Specifications of the
    Mixer architectures"; VOLO's "D1 ... D5", CycleMLP's "B1 ... B5"). Among several main rows
    holding the code, the one named family plus code is the variant; a quoted row is not."""
    main, quoted = {"named_in_title": True}, {"quoted_from_other_paper": True}
    facts = [
        F(1, "result", "Mixer-H/14", "imagenet", "top1", details=main),
        F(2, "result", "Mixer-H/14 (ImNet top-1 ImageNet (with)", "imagenet", "top1", details=main),
        F(3, "result", "ViT-H/14 [14]", "imagenet", "top1", details=quoted),
        F(4, "parameters", "H/14"),
    ]
    assert cells(assemble(facts), "Mixer-H/14")[4] == ("parameters", "name contains")


def test_a_decided_two_benchmark_row_keeps_its_first_and_gives_up_the_other(
    session: Session,
) -> None:
    """A database assembled before rows were split per benchmark: re-assembly keeps the decided
    row for the first result's benchmark and moves the other's score to a row of its own, whose
    accepted facts still give its observation."""
    p = _decided_net_row(session, "accepted")
    fact(session, p, "result", benchmark="coco", metric="box_ap", model="Net",
         value="25.0", error=0.75, confidence=0.9)  # fmt: skip
    fact(session, p, "flops", model="Net", normalized=5.24e8)
    refresh_rows(session, p)
    rows = {r.row_key: r for r in session.scalars(select(ModelRow))}
    assert set(rows) == {"net", "net@coco"} and rows["net"].status == "accepted"
    rebuild_extracted(session)
    observed = {(o.benchmark, o.ops_forward_pass) for o in session.scalars(select(Observation))}
    assert observed == {("imagenet", 5.24e8), ("coco", 5.24e8)}
