"""Benchmark results from tables: metric and benchmark per column, error rates, confidence."""

from __future__ import annotations

import pytest

from extractors.facts import ExtractedFact
from extractors.results import extract_results, header_metrics, quoted
from tests.fixtures.documents import doc_with


def by_model(facts: list[ExtractedFact], metric: str) -> dict[str | None, ExtractedFact]:
    return {f.model: f for f in facts if f.metric == metric}


IMAGENET_ERRORS = [
    ["Model", "Params", "Top-1 err.", "Top-5 err."],
    ["ResNet-50 [12]", "25.6M", "23.9", "7.1"],
    ["Ours-S", "12.1M", "22.0*", "6.0"],
    ["Ours-L (ensemble of 3 models)", "40.2M", "19.1†", "4.9"],
    ["Ours-L", "40.2M", "20.1†", "5.2"],
]


def test_error_columns_become_error_rates_with_evidence() -> None:
    facts = extract_results(doc_with(IMAGENET_ERRORS, "Table 2: Results on ImageNet val."))
    top1 = by_model(facts, "top1")
    fact = top1["Ours-S"]
    assert (fact.benchmark, fact.value, fact.page) == ("imagenet", "22.0*", 3)
    assert fact.error == pytest.approx(0.22)
    assert "Ours-S" in fact.evidence and "Top-1 err." in fact.evidence
    assert fact.bbox == (50, 124, 300, 134)
    assert fact.details["marks"] == "*"
    assert by_model(facts, "top5")["Ours-L"].error == pytest.approx(0.052)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("ResNet-50 [13] (val)", True),  # SENet (1709.01507) quoting its baselines
        ("Collobert et al. (2011) with gazetteers", True),  # a year is the citation's
        ("Faster R-CNN w FPN [20] ResNet-101-FPN", True),
        ("CondenseNet (G=C=4) (Huang et al. 2018) manual", True),  # MnasNet (1807.11626)
        ("Ma and Hovy (2016)", True),  # narrative citations in NER tables (1808.09075)
        ("Chiu and Nichols (2016) ∗ reported", True),  # 1805.03838
        ("Søgaard and Goldberg (2016)", True),  # 1705.00108
        ("Manning (2011)", True),  # 1603.01354
        ("Chiu and Nichols (2016) with gazetteers", True),  # as "Collobert et al. (2011) ..."
        ("BERT-Large (ours)", False),
        ("ResNet (’15)", False),  # an ensemble's year, no author
        ("ResNet101 [5] + CBAM", False),  # CBAM (1807.06521) building on a cited model
        ("ResNeXt101 [7] (32x4d) + CBAM", False),  # ... past the cited model's variant
        ("WideResNet18 [6] (widen=1.5) + SE [28]", False),
        ("ResNet50 + channel (SE [28])", False),  # ... explaining the part it adds
        ("ShuffleNet 2 × (with SE [13], g = 3 )", False),  # ShuffleNet (1707.01083)
    ],
)
def test_a_row_quotes_another_paper_unless_it_builds_on_what_it_cites(
    model: str, expected: bool
) -> None:
    assert quoted(model) is expected


def test_confidence_ranks_own_single_models_over_quoted_rows_and_ensembles() -> None:
    facts = by_model(
        extract_results(doc_with(IMAGENET_ERRORS, "Table 2: Results on ImageNet val.")), "top1"
    )
    quoted, ensemble, best = (
        facts["ResNet-50 [12]"],
        facts["Ours-L (ensemble of 3 models)"],
        facts["Ours-L"],
    )
    assert quoted.details["quoted_from_other_paper"] is True
    assert ensemble.details["ensemble"] is True
    assert best.confidence > ensemble.confidence
    assert best.confidence > facts["Ours-S"].confidence > quoted.confidence


def test_accuracy_columns_and_caption_that_says_error() -> None:
    rows = [["Method", "Top-1", "Top-5"], ["Net-A", "76.1", "93.0"], ["Net-B", "77.0", "93.5"]]
    acc = extract_results(doc_with(rows, "Table 1: Accuracy (%) on ImageNet."))
    assert by_model(acc, "top1")["Net-A"].error == pytest.approx(0.239)
    errs = [["Method", "Top-1", "Top-5"], ["Net-A", "23.9", "7.0"], ["Net-B", "23.0", "6.5"]]
    err = extract_results(doc_with(errs, "Table 1: Error rates (%) on ImageNet."))
    assert by_model(err, "top1")["Net-A"].error == pytest.approx(0.239)


def test_swapped_top_k_headers_are_put_right() -> None:
    rows = [
        ["Network", "Top-5 Error", "Top-1 Error"],
        ["A", "21.2%", "5.6%"],
        ["B", "18.8%", "4.2%"],
    ]
    facts = extract_results(doc_with(rows, "Table 4: Single-model results on ImageNet."))
    assert by_model(facts, "top1")["B"].error == pytest.approx(0.188)
    assert by_model(facts, "top5")["B"].details["swapped_top_k"] is True


def test_coco_split_and_ap_variants() -> None:
    rows = [
        ["Method", "AP", "AP50", "AP75", "APS"],
        ["Ours", "40.8", "61.1", "44.1", "24.1"],
        ["Baseline", "39.1", "59.1", "42.3", "21.8"],
    ]
    facts = extract_results(doc_with(rows, "Table 2: Results on COCO test-dev."))
    assert {f.metric for f in facts} == {"box_ap", "ap50", "ap75"}  # APS is not a contract metric
    ours = by_model(facts, "box_ap")["Ours"]
    assert ours.details["split"] == "test-dev"
    assert ours.error == pytest.approx(0.592)


def test_squad_slash_pairs_and_dev_test_rows() -> None:
    rows = [
        ["Single Model", "EM / F1"],
        ["BiDAF (Seo et al., 2016)", "68.0 / 77.3"],
        ["Dev set: QANet", "73.6 / 82.7"],
        ["Test set: QANet", "76.2 / 84.6"],
    ]
    facts = extract_results(doc_with(rows, "Table 2: The performances on SQuAD."))
    em = by_model(facts, "em")
    assert em["Test set: QANet"].error == pytest.approx(0.238)
    assert em["Test set: QANet"].details["split"] == "test"
    assert em["Dev set: QANet"].details["split"] == "dev"
    assert by_model(facts, "f1")["Test set: QANet"].error == pytest.approx(0.154)
    assert em["BiDAF (Seo et al., 2016)"].details["quoted_from_other_paper"] is True


def test_header_metric_pairs() -> None:
    assert header_metrics("EM / F1") == ["em", "f1"]
    assert header_metrics("SQuAD v1.1 F1/EM") == ["f1", "em"]
    assert header_metrics("Top-1") == ["top1"]


def test_wmt_language_pairs_need_wmt14_in_the_paper() -> None:
    rows = [
        ["Model", "EN-DE", "EN-FR"],
        ["Transformer (big)", "28.4", "41.8"],
        ["Base", "27.3", "38.1"],
    ]
    caption = "Table 2: BLEU scores on the newstest2014 tests."
    facts = extract_results(doc_with(rows, caption, text="We train on WMT 2014 data."))
    big = {f.benchmark: f for f in facts if f.model == "Transformer (big)"}
    assert big.keys() == {"wmt14_en_de", "wmt14_en_fr"}
    assert big["wmt14_en_de"].error == pytest.approx(0.716)
    assert big["wmt14_en_fr"].error == pytest.approx(0.582)
    assert big["wmt14_en_fr"].unit is None
    iwslt = extract_results(doc_with(rows, "Table 1: BLEU on IWSLT."))
    assert iwslt == []


def test_conll_sections_and_other_datasets() -> None:
    rows = [
        ["Model", "P", "R", "F1"],
        ["CONLL 2003 English", "", "", ""],
        ["Lample et al. (2016)", "-", "-", "90.9"],
        ["Our model", "93.7", "93.3", "93.5"],
        ["CONLL 2003 German", "", "", ""],
        ["Our model", "88.3", "84.6", "86.4"],
    ]
    facts = extract_results(doc_with(rows, "Table 3: Comparison on CONLL corpora for NER."))
    assert [(f.model, f.value) for f in facts] == [
        ("Lample et al. (2016)", "90.9"),
        ("Our model", "93.5"),
    ]
    assert {f.benchmark for f in facts} == {"conll03"}


def test_first_block_heading_in_the_header_region_names_its_dataset() -> None:
    """2005.07150 Table 3: "ONTONOTES" heads the first block from inside the header region."""
    rows = [
        ["Model", "P", "R", "F1"],
        ["ONTONOTES", "ONTONOTES", "", ""],
        ["Our model", "91.1", "91.5", "91.3"],
        ["CONLL 2003 English", "", "", ""],
        ["Our model", "93.7", "93.3", "93.5"],
    ]
    caption = "Table 3: State of the art comparison on CONLL 2002, CONLL 2003, ONTONOTES."
    facts = extract_results(doc_with(rows, caption, header_rows=2))
    assert [(f.model, f.value, f.benchmark) for f in facts] == [("Our model", "93.5", "conll03")]


def test_tables_about_other_datasets_give_nothing() -> None:
    rows = [["Method", "error (%)"], ["ResNet-110", "6.43"], ["ResNet-56", "6.97"]]
    assert extract_results(doc_with(rows, "Table 6: Classification error on CIFAR-10.")) == []


def test_transposed_tables_take_the_model_from_the_header() -> None:
    rows = [
        ["", "Ours-H/14", "Ours-L/16"],
        ["ImageNet", "88.55 ± 0.04", "87.76 ± 0.03"],
        ["CIFAR-10", "99.50", "99.42"],
    ]
    facts = extract_results(doc_with(rows, "Table 2: Comparison on popular benchmarks."))
    assert {(f.model, f.benchmark, f.metric, f.value) for f in facts} == {
        ("Ours-H/14", "imagenet", "top1", "88.55 ± 0.04"),
        ("Ours-L/16", "imagenet", "top1", "87.76 ± 0.03"),
    }


def test_results_stated_in_sentences() -> None:
    text = (
        "Our model achieves a top-1 accuracy of 84.3% on ImageNet.\n"
        "Prior work [3] reported 76.1% top-1 accuracy.\n"
        "Our ensemble has 3.57% top-5 error on the ImageNet test set.\n"
        "On CIFAR-10 we reach 99.0% accuracy.\n"
        "References\n"
        "[1] A. Author. Top-1 accuracy of 80.0% on ImageNet. 2019.\n"
    )
    doc = doc_with([["Model", "Params"], ["A", "1M"], ["B", "2M"]], "Table 1: Sizes.", text=text)
    facts = [f for f in extract_results(doc) if f.rule and f.rule.startswith("sentence")]
    found = {(f.metric, f.value): f for f in facts}
    assert set(found) == {("top1", "84.3%"), ("top1", "76.1%"), ("top5", "3.57%")}
    assert found[("top5", "3.57%")].error == pytest.approx(0.0357)
    assert found[("top1", "84.3%")].confidence > found[("top1", "76.1%")].confidence
    assert all(f.benchmark == "imagenet" and f.page == 3 for f in facts)


def _sentence_facts(text: str) -> dict[str, ExtractedFact]:
    """The sentence results of a paper whose text is ``text``, by value as printed."""
    doc = doc_with([["Model", "Params"], ["A", "1M"], ["B", "2M"]], "Table 1: Sizes.", text=text)
    return {f.value: f for f in extract_results(doc) if f.rule and f.rule.startswith("sentence")}


def test_sentence_results_read_the_shared_sentences_and_skip_only_the_reference_list() -> None:
    text = (
        "As Fig. 3 shows, our model achieves a top-1 accuracy of 84.3% on ImageNet.\n"
        "References\n"
        "[1] A. Author. Top-1 accuracy of 80.0% on ImageNet. 2019.\n"
        "Appendix\n"
        "Our large model reaches a top-1 accuracy of 85.1% on ImageNet.\n"
    )
    facts = _sentence_facts(text)
    assert set(facts) == {"84.3%", "85.1%"}  # the appendix is the paper's own text again
    # "Fig. 3" does not end the sentence, so the claim keeps its first person and benchmark
    assert facts["84.3%"].details == {"own_claim": True, "benchmark_named": True}
    assert facts["84.3%"].evidence.startswith("As Fig. 3 shows")


def test_bold_own_numbers_rank_higher() -> None:
    rows = [["Model", "Top-1"], ["Ours-A", "76.1"], ["Ours-B", "75.9"], ["Net [3]", "77.0"]]
    plain = by_model(extract_results(doc_with(rows, "Table 1: Accuracy on ImageNet.")), "top1")
    doc = doc_with(rows, "Table 1: Accuracy on ImageNet.")
    doc.pages[0].tables[0].bold = [[False, False], [False, False], [False, True], [False, True]]
    marked = by_model(extract_results(doc), "top1")
    assert marked["Ours-B"].details["bold"] is True
    assert marked["Ours-B"].confidence == pytest.approx(plain["Ours-B"].confidence + 0.1)
    assert "bold" not in marked["Net [3]"].details  # a quoted row stays quoted


def test_imagenet_detection_tables_are_not_the_benchmark() -> None:
    rows = [["Method", "mAP", "top-5 LOC err."], ["Ours", "58.8", "9.0"], ["Other", "43.9", "12.0"]]
    caption = "Table 12: Our results (mAP, %) on the ImageNet detection dataset."
    assert extract_results(doc_with(rows, caption)) == []


def test_the_paper_best_own_number_ranks_first() -> None:
    rows = [
        ["Model", "Top-1", "Top-5"],
        ["Ours-S", "76.1", "93.0"],
        ["Ours-L", "78.3", "94.1"],
        ["0", "79.0", "95.0"],  # a plot's tick label, not a model
    ]
    facts = extract_results(doc_with(rows, "Table 1: Accuracy on ImageNet."))
    top = max(facts, key=lambda f: f.confidence)
    assert (top.model, top.metric, top.details.get("best_in_paper")) == ("Ours-L", "top1", True)
    unnamed = by_model(facts, "top1")["0"]
    assert unnamed.details["unnamed_row"] is True


def test_transposed_values_compete_within_their_row() -> None:
    rows = [["Models", "GNMT [62]", "Ours-6", "Ours-12"], ["EN-DE", "24.6", "26.4", "26.8"]]
    caption = "Table 5: Machine translation on WMT 2014. Tokenized BLEU on newstest2014."
    facts = extract_results(doc_with(rows, caption, text=caption))
    best = [f for f in facts if f.details.get("best_in_column")]
    assert [f.model for f in best] == ["Ours-12"]


def test_one_row_under_three_spanning_headers_keeps_each_reading() -> None:
    # SENet (1709.01507) Table 2: the original papers', the re-implementation's and the SE
    # variant's top-1 error of one row; the third used to be dropped as a duplicate identity.
    rows = [
        ["", "original", "re-implementation", "re-implementation", "SENet", "SENet"],
        ["", "top-1 err.", "top-1 err.", "GFLOPs", "top-1 err.", "GFLOPs"],
        ["ResNet-50 [13]", "24 . 7", "24 . 80", "3 . 86", "23 . 29 (1 . 51)", "3 . 87"],
        ["Inception-ResNet-v2 [21]", "19 . 9", "20 . 37", "11 . 75", "19 . 80 (0 . 57)", "11 . 76"],
    ]  # fmt: skip
    caption = "TABLE 2 Single-crop error rates (%) on the ImageNet validation set."
    facts = extract_results(doc_with(rows, caption, header_rows=2))
    errors = sorted(round(f.error or 0, 4) for f in facts if f.model and "Inception" in f.model)
    assert errors == [0.198, 0.199, 0.2037]
    models = {f.model for f in facts if f.model and "Inception" in f.model}
    assert len(models) == 3


def test_a_sentence_names_its_model_when_the_model_is_the_verbs_subject() -> None:
    """Real sentences: MLP-Mixer "Mixer-H/14 achieves 87.94% top-1 accuracy on ImageNet", CaiT
    "Cait-S24 attains 82.7% top-1 acc. on Imagenet", TinyViT "TinyViT-21M reaches a top-1
    accuracy of 86.5%"; RefineDet's "RefineDet320 with ResNet-101 achieves 32.0%" names a
    backbone, and a first-person claim names no model."""
    text = (
        "In particular, Mixer-H/14 achieves 87.94% top-1 accuracy on ImageNet.\n"
        "Trained with regular supervision, Cait-S24 attains 82.7% top-1 acc. on ImageNet.\n"
        "With higher resolution, TinyViT-21M reaches a top-1 accuracy of 86.5% on ImageNet.\n"
        "Our detector with ResNet-101 achieves 79.1% top-1 accuracy on ImageNet.\n"
        "Our model achieves a top-1 accuracy of 84.3% on ImageNet.\n"
    )
    facts = _sentence_facts(text)
    named = {value: f.model for value, f in facts.items() if value in ("87.94%", "82.7%", "86.5%")}
    assert named == {"87.94%": "Mixer-H/14", "82.7%": "Cait-S24", "86.5%": "TinyViT-21M"}
    # no name of their own (a colliding unnamed fact is told apart by its value)
    assert facts["79.1%"].model is None and facts["84.3%"].model in (None, "(84.3%)")


def test_a_sentence_naming_two_benchmarks_gives_each_score_the_one_beside_it() -> None:
    """Sentences stating one score per benchmark, in the two forms R-Drop (2106.14448) uses in
    its introduction and abstract (the second here with other numbers): the benchmark that follows a
    score behind an "on", or else the one named last before it. A "respectively" pairs them
    by order instead, which is left to the paper's mentions."""
    text = (
        "We evaluate on the WMT 2014 English-German and English-French tasks.\n"
        "Our model achieves 30.91 BLEU score on WMT14 English→German and 43.95 BLEU on WMT14 "
        "English→French translation.\n"
        "It reaches state of the art on WMT14 English→German (29.52 BLEU) and WMT14 "
        "English→French translation (42.87 BLEU).\n"
    )
    facts = _sentence_facts(text)
    assert {v: f.benchmark for v, f in facts.items()} == {
        "30.91": "wmt14_en_de",
        "43.95": "wmt14_en_fr",
        "29.52": "wmt14_en_de",
        "42.87": "wmt14_en_fr",
    }


def test_a_sentence_about_another_dataset_is_not_ours_because_a_neighbour_names_ours() -> None:
    """R-Drop (2106.14448): a score for IWSLT14 beside sentences about WMT14 is IWSLT14's."""
    text = (
        "We evaluate on the WMT 2014 English-German translation task, reaching 30.91 BLEU.\n"
        "For the well known IWSLT14 De→En translation, R-Drop obtains 37.25 BLEU score.\n"
    )
    assert set(_sentence_facts(text)) == {"30.91"}


ENSEMBLE_ROWS = [
    ["Network", "Top-1 err.", "Top-5 err."],
    ["Inception-v3", "17.2", "3.58"],
    ["Inception-v4", "16.5", "3.10"],
]


@pytest.mark.parametrize(
    ("caption", "ensembles"),
    [
        # Inception-v3 (1512.00567), ResNet (1512.03385), GNMT (1609.08144)
        (
            "Table 5: Ensemble evaluation results comparing multi-model, multi-crop reported "
            "results on ImageNet.",
            True,
        ),
        ("Table 4. Error rates (%) of ensembles on ImageNet.", True),
        ("Table 6: Model ensemble results on ImageNet.", True),
        # a compound, a negation, an aside after the first sentence
        ("Table 2: Results of the MLP-ensemble predictor on ImageNet.", False),
        ("Table 3: Top-1 error of non-ensemble models on ImageNet.", False),
        ("Table 1: Results on ImageNet val. 1 ∼ 3 indicates the ensemble result.", False),
    ],
)
def test_a_caption_opening_on_ensembles_marks_every_row_an_ensemble(
    caption: str, ensembles: bool
) -> None:
    facts = extract_results(doc_with(ENSEMBLE_ROWS, caption))
    assert facts and all(bool(f.details.get("ensemble")) is ensembles for f in facts)
    # an ensemble table's best row is no best of the paper's own single models
    best = [f for f in facts if f.model == "Inception-v4"]
    assert best and all(bool(f.details.get("best_in_column")) is not ensembles for f in best)
