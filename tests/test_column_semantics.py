"""What a column's header path, a row and the caption say a number is (issue 13, item 1).

Each rule is written against a pattern that recurs across papers; the headers below are the
header paths (spanning headers included) the parser reconstructs from real corpus papers, as
`ctrends export` shows them after "[column: ...]", each with the arXiv id it comes from.
"""

from __future__ import annotations

import pytest

from extractors.benchmark_detection import (
    benchmarks_in,
    mentions_other_dataset,
    metric_in,
    untracked_column,
)
from extractors.results import extract_results
from tests.fixtures.documents import doc_with

# Scores of metrics we do not track: read, they would be filed as COCO box AP or ImageNet top-1.
UNTRACKED = [
    ("AP S", "1708.02002"),  # RetinaNet: AP of small objects
    ("AP M", "1708.02002"),
    ("AP 𝑆", "1712.00726"),  # Cascade R-CNN: a math-italic subscript
    ("AP 𝑀", "1712.00726"),
    ("AP L", "1804.02767"),  # YOLOv3
    ("mAP M", "1807.11626"),  # MnasNet
    ("AP mask", "2006.02334"),  # DetectoRS
    ("AP mask 75", "2201.03545"),  # ConvNeXt
    ("m AP 50", "2104.13840"),  # Twins: superscript m, mask AP
    ("3 × m AP", "2104.13840"),
    ("AP 50 m", "2107.00641"),  # Focal Transformer
    ("MS AP 75 m", "2107.00641"),
    ("AP kp", "1711.07971"),  # non-local networks: COCO keypoints
    ("mIoU ImageNet-1K pre-trained", "2201.03545"),  # ADE20K segmentation
    ("∆ err. (%)", "1707.01083"),  # ShuffleNet: difference to MobileNet
    ("F1 ∆", "2005.07150"),  # a gain over the previous best, beside the F1 column
    ("External resources ∆", "1705.00108"),  # TagLM: "Without | With | ∆"
    ("acc. UL ∆", "1906.09535"),
    ("throughput #param. FLOPs (image / s) top-1 acc.", "2201.03545"),  # images/s: 55.1
    ("throughput (im/s)", "2105.03404"),  # ResMLP
    ("training throughput (im/sec)", "2012.12877"),  # DeiT
]

# Box AP and its IoU thresholds, which must still be read (superscript b marks box AP).
TRACKED = [
    ("AP b", "2107.10224", "box_ap"),  # CycleMLP
    ("AP b 50", "2107.10224", "ap50"),
    ("AP b 75", "2107.10224", "ap75"),
    ("Mask AP 50 b", "2107.00641", "ap50"),  # under a "Mask R-CNN" spanning header
    ("Mask R-CNN 1 × b AP 50", "2104.13840", "ap50"),
    ("mAP [ . 5 , . 95] (600 × image)", "1707.01083", "box_ap"),
    ("test-dev AP", "1911.09070", "box_ap"),  # EfficientDet
    # the throughput column's wrapped unit line joined to the top-1 column's header path
    ("IN-1K (image / s) top-1 acc.", "2201.03545", "top1"),
    # an IoU threshold of 0.5 closing the header path is AP50, not the box AP of the benchmark
    ("COCO test-dev @.5", "1512.03385", "ap50"),
    ("COCO test-dev2015 trainval35k 0.5", "1512.02325", "ap50"),
    ("mAP@.5", "1807.06521", "ap50"),
    ("AP @ 0.5", "1704.04503", "ap50"),
]


@pytest.mark.parametrize(("header", "paper"), UNTRACKED)
def test_untracked_score_columns_are_recognised(header: str, paper: str) -> None:
    assert untracked_column(header), (header, paper)


@pytest.mark.parametrize(("header", "paper", "metric"), TRACKED)
def test_box_ap_columns_keep_their_metric(header: str, paper: str, metric: str) -> None:
    assert not untracked_column(header), (header, paper)
    assert metric_in(header) == metric, (header, paper)


@pytest.mark.parametrize(
    ("text", "paper"),
    [
        ("ImageNet ReaL", "2010.11929"),  # ViT: a row per test set
        ("ReaL top-1 extra", "2105.01601"),  # MLP-Mixer: a column
        ("ImageNet-A", "2201.03545"),  # ConvNeXt's robustness table
        ("ImageNet-R", "2201.03545"),
        ("ImageNet-C", "2201.03545"),
    ],
)
def test_relabelled_and_shifted_imagenet_test_sets_are_other_datasets(
    text: str, paper: str
) -> None:
    assert "imagenet" not in benchmarks_in(text), (text, paper)
    assert mentions_other_dataset(text), (text, paper)


@pytest.mark.parametrize(
    "text", ["ImageNet", "ImageNet-1K top-1", "on ImageNet a few times", "real-time detection"]
)
def test_imagenet_itself_and_the_word_real_are_untouched(text: str) -> None:
    assert ("imagenet" in benchmarks_in(text)) == ("ImageNet" in text)
    assert not mentions_other_dataset(text)


COCO_SIZES = [  # RetinaNet (1708.02002) and Cascade R-CNN (1712.00726) test-dev tables
    ["Method", "Backbone", "AP", "AP 50", "AP 75", "AP S", "AP M", "AP L"],
    ["RetinaNet (ours)", "ResNeXt-101-FPN", "40.8", "61.1", "44.1", "24.1", "44.2", "51.2"],
    ["Cascade R-CNN", "ResNet-101", "42.8", "62.1", "46.3", "23.7", "45.5", "55.2"],
]


def test_object_size_columns_are_not_filed_as_box_ap() -> None:
    caption = "Table 2: Object detection single-model results (bounding box AP) on COCO test-dev."
    facts = extract_results(doc_with(COCO_SIZES, caption))
    read = {(f.model, f.metric, f.value) for f in facts}
    assert ("RetinaNet (ours) ResNeXt-101-FPN", "box_ap", "40.8") in read
    assert ("Cascade R-CNN ResNet-101", "ap75", "46.3") in read
    assert not {v for _, _, v in read} & {"24.1", "44.2", "51.2", "23.7", "45.5", "55.2"}


DELTA = [  # ShuffleNet (1707.01083), Table 3: ShuffleNet vs MobileNet
    ["Model", "Complexity (MFLOPs)", "Cls err. (%)", "∆ err. (%)"],
    ["ShuffleNet 2× (g = 3)", "524", "26.3", "3.1"],
    ["ShuffleNet 0.5× (g = 4)", "38", "41.6", "7.8"],
]


def test_a_difference_column_is_not_an_error_rate() -> None:
    facts = extract_results(doc_with(DELTA, "Table 3: ShuffleNet vs. MobileNet on ImageNet."))
    assert {f.value for f in facts} == {"26.3", "41.6"}


TEST_SETS = [  # ViT (2010.11929) Table 2: a row per test set, a column per model
    ["", "Ours-JFT (ViT-H/14)", "BiT-L (ResNet152x4)"],
    ["ImageNet", "88.55", "87.54"],
    ["ImageNet ReaL", "90.72", "90.54"],
]


def test_a_row_naming_another_test_set_is_not_read() -> None:
    caption = "Table 2: Top-1 accuracy on ImageNet and other benchmarks."
    facts = extract_results(doc_with(TEST_SETS, caption))
    assert {f.value for f in facts} == {"88.55", "87.54"}


VOC = [  # Soft-NMS (1704.04503) Table 2: VOC 2007 scored COCO-style, as SSD's tables name COCO
    ["Method", "Training data", "AP", "AP@0.5", "AP@0.75"],
    ["F-RCNN + S-NMS L", "07+12+COCO", "51.5", "80.0", "53.2"],
]


@pytest.mark.parametrize(
    "caption",
    [
        "Table 1: PASCAL VOC2007 test detection results. Both Fast and Faster R-CNN use input "
        'images whose minimum dimension is 600. data: "07++12+COCO": first train on COCO',
        "Table 2. Results on Pascal VOC 2007 test set for off-the-shelf standard object "
        "detectors. Note that COCO-style evaluation is used.",
    ],
)
def test_a_caption_opening_on_another_dataset_is_its_table(caption: str) -> None:
    assert extract_results(doc_with(VOC, caption)) == []


def test_a_caption_naming_ours_first_is_still_read() -> None:
    caption = "Table 5: COCO test-dev2015 detection results. Models pre-trained on PASCAL VOC."
    coco = [["Method", "data", "mAP"], ["SSD512", "trainval35k", "26.8"]]
    assert {f.value for f in extract_results(doc_with(coco, caption))} == {"26.8"}


TRIVIAQA = [
    ["Model", "All", "All", "Verified", "Verified"],
    ["", "EM", "F1", "EM", "F1"],
    ["baseline (Joshi et al., 2017)", "40.74", "47.06", "49.54", "55.80"],
    ["S-Norm (ours)", "66.37", "71.32", "79.97", "83.70"],
]


def test_a_reading_comprehension_table_of_another_dataset_is_not_squad() -> None:
    """1710.10723 evaluates on SQuAD and on TriviaQA; its TriviaQA table (EM / F1 columns like
    SQuAD's) was stored as SQuAD 1.1. TriviaQA, NewsQA, HotpotQA, Natural Questions and the
    like are other datasets, so a caption opening on one is its table's."""
    text = "We evaluate on SQuAD 1.1 and report EM and F1 on the SQuAD dev set.\n"
    caption = "Table 3: Published TriviaQA results. We advance the state of the art by 15 points."
    doc = doc_with(TRIVIAQA, caption, header_rows=2, text=text)
    assert [f for f in extract_results(doc) if f.rule and f.rule.startswith("table")] == []
    squad = doc_with(TRIVIAQA, "Table 4: Results on the standard SQuAD dataset.", header_rows=2,
                     text=text)  # fmt: skip
    assert {f.benchmark for f in extract_results(squad)} == {"squad11"}
