"""Hardware statements in prose: accelerator, count and counted unit, from real sentences."""

from __future__ import annotations

import pytest

from extractors.confidence import OWN, SECONDARY
from extractors.facts import ExtractedFact
from extractors.hardware import extract_hardware
from tests.prose_helpers import document


def hardware(*pages: str) -> list[ExtractedFact]:
    return list(extract_hardware(document(*pages)))


def counted(facts: list[ExtractedFact]) -> set[tuple[str | None, float | None, str | None]]:
    return {(f.accelerator, f.count, f.count_unit) for f in facts}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Vaswani et al. 2017
        ("We trained our models on one machine with 8 NVIDIA P100 GPUs.", ("P100", 8, "gpu")),
        # Tan et al. 2020 (EfficientDet)
        (
            "Each model is trained 300 epochs with batch total size 128 on 32 TPUv3 cores.",
            ("TPU v3", 32, "tpu_core"),
        ),
        # Wei et al. 2021 (FLAN)
        (
            "This instruction tuning takes around 60 hours on a TPUv3 with 128 cores.",
            ("TPU v3", 128, "tpu_core"),
        ),
        # Houlsby et al. 2019
        (
            "All runs are trained on 4 Google Cloud TPUs with a batch size of 32.",
            (None, 4, "tpu_device"),
        ),
        # Xie et al. 2019 (UDA)
        (
            "Experiments in this part are performed on a v3-128 Cloud TPU v3 Pod.",
            ("TPU v3", 128, "tpu_core"),
        ),
        # Devlin et al. 2019 (BERT): the same hardware in two units, the larger number kept
        (
            "Training of BERTLARGE was performed on 16 Cloud TPUs (64 TPU chips total).",
            (None, 64, "tpu_chip"),
        ),
        ("We pre-train on a TPUv3 pod with 1024 chips.", ("TPU v3", 1024, "tpu_chip")),
        # Yang et al. 2019 (XLNet)
        ("We train on 512 TPU v3 chips for 500K steps.", ("TPU v3", 512, "tpu_chip")),
        # Sutskever et al. 2014
        (
            "This was too slow for our purposes, so we parallelized our model using an 8-GPU "
            "machine.",
            (None, 8, "gpu"),
        ),
        # Krizhevsky et al. 2012
        (
            "Our network takes between five and six days to train on two GTX 580 3GB GPUs.",
            ("GTX 580", 2, "gpu"),
        ),
        # Simonyan & Zisserman 2015
        (
            "On a system equipped with four NVIDIA Titan Black GPUs, training a single net took "
            "2–3 weeks depending on the architecture.",
            ("TITAN Black", 4, "gpu"),
        ),
        # Touvron et al. 2021 (ResMLP)
        (
            "The majority of our models take two days to train on eight V100-32GB GPUs.",
            ("V100", 8, "gpu"),
        ),
        # Liu et al. 2019 (RoBERTa)
        (
            "We pretrain our model using 1024 V100 GPUs for approximately one day.",
            ("V100", 1024, "gpu"),
        ),
        # Ma & Hovy 2016
        (
            "The computations for a single model are run on a GeForce GTX TITAN X GPU.",
            ("TITAN X", 1, "gpu"),
        ),
        # Yu et al. 2018 (QANet)
        ("We carry out our experiments on an NVIDIA p100 GPU.", ("P100", 1, "gpu")),
        # Dehghani et al. 2019
        ("Table 7: trained on 8xP100 GPUs in comparable training setups.", ("P100", 8, "gpu")),
        ("All models are trained with 8× V100 GPUs.", ("V100", 8, "gpu")),
        # Raffel et al. 2020 (T5)
        ("We pre-train on a 2048-core TPU v3 slice.", ("TPU v3", 2048, "tpu_core")),
        # Law & Deng 2018 (CornerNet)
        ("We train on 10 Titan X (PASCAL) GPUs.", ("TITAN X (Pascal)", 10, "gpu")),
        # Zoph et al. 2018 (NASNet): GPU-hours are compute, the GPUs a count
        (
            "The search used 500 GPUs across 4 days resulting in 2,000 GPU-hours.",
            (None, 500, "gpu"),
        ),
        # Real et al. 2019 (AmoebaNet)
        ("The experiment ran on 450 K40 GPUs for 7 days.", ("K40", 450, "gpu")),
        ("Each run uses 4 x A100 GPUs.", ("A100", 4, "gpu")),
        # Liang et al. 2021 (R-Drop)
        (
            "We train the WMT translations on 8 GEFORCE RTX 3090 cards.",
            ("RTX 3090", 8, "gpu"),
        ),
        # Cai et al. 2018: an adjective between count and noun
        ("Training used a learning rate of 0.005, on 8 synchronized GPUs.", (None, 8, "gpu")),
        # Szegedy et al. 2016: replicas times one GPU each
        (
            "We trained our networks using 50 replicas running each on a NVidia Kepler GPU.",
            ("Kepler", 50, "gpu"),
        ),
        # Bello et al. 2017: workers times GPUs per worker
        (
            "Twelve workers are used, with each worker using 8 GPUs and a minibatch size of 128.",
            (None, 96, "gpu"),
        ),
    ],
)
def test_counts_and_accelerators_from_real_sentences(
    sentence: str, expected: tuple[str | None, float, str]
) -> None:
    assert expected in counted(hardware(sentence))


def test_a_named_accelerator_without_a_count() -> None:
    facts = hardware("All our models are trained with SGD solver on NVIDIA TITAN Xp GPU.")
    assert counted(facts) == {("TITAN Xp", None, "gpu")}


def test_servers_with_a_total_count_are_not_multiplied() -> None:
    facts = hardware("Training was performed with 8 servers (64 GPUs) in parallel.")
    assert counted(facts) == {(None, 64, "gpu")}


def test_an_unnamed_gpu_count_borrows_the_only_gpu_the_paper_trains_on() -> None:
    facts = hardware(
        "All models are trained on NVIDIA V100 GPUs.",
        "We use a global batch size of 256 on 8 GPUs.",
    )
    eight = next(f for f in facts if f.count == 8)
    assert eight.accelerator == "V100"
    assert "accelerator_from" in eight.details
    assert ("V100", None, "gpu") not in counted(facts)  # the counted fact says it already


def test_inference_hardware_is_low_confidence_and_lends_no_name() -> None:
    facts = hardware(
        "Inference throughput is measured on a V100 GPU.",
        "We train on 8 GPUs with a batch size of 1024.",
    )
    by_count = {f.count: f for f in facts}
    assert by_count[1].confidence <= SECONDARY
    assert by_count[8].accelerator is None
    assert by_count[8].confidence == OWN


@pytest.mark.parametrize(
    "text",
    [
        "We thank NVIDIA for the donation of K40 GPUs.",
        # a table row flattened into text: numbers before "GPU" are not a count
        "BLEU Log Perplexity Decoding time (s) CPU 31.20 1.4553 1322 GPU 31.20 1.4553 3028 TPU",
        # aggregate compute, not a number of processors
        "Our method takes 92.4 GPU days to store the logits and 140.0 GPU days to pretrain.",
        "Method mAP Speed GPU Faster [25] VGG16 73.2 7 6000 Titan X 1000 x 600",
    ],
)
def test_statements_that_are_not_hardware_counts(text: str) -> None:
    assert hardware(text) == []


def test_reference_lists_are_skipped() -> None:
    facts = hardware(
        "We train on 4 GPUs.\nReferences\n[1] P. Goyal et al. Training on 256 GPUs in 1 hour.",
    )
    assert counted(facts) == {(None, 4, "gpu")}


def test_facts_keep_page_evidence_box_rule_and_model() -> None:
    (fact,) = hardware(
        "Setup.",
        "We use 4 DGX-2 with 64 V100 GPUs to train\nthe base model.",
    )
    assert fact.page == 2
    assert fact.evidence == "We use 4 DGX-2 with 64 V100 GPUs to train the base model."
    assert fact.rule == "hw.count_named"
    assert fact.bbox is not None and fact.bbox[1] == pytest.approx(72.0)
    assert fact.model == "base"
    assert fact.extractor == "hardware"


def test_one_fact_per_identity_the_largest_setting_kept_the_others_noted() -> None:
    # Liang et al. 2021: two settings on one page, no model named; the store keeps one fact per
    # (page, model, accelerator), so the extractor chooses
    (fact,) = hardware(
        "We train the IWSLT translations on 1 GEFORCE RTX 3090 card and the WMT translations on "
        "8 GEFORCE RTX 3090 cards."
    )
    assert (fact.accelerator, fact.count) == ("RTX 3090", 8)
    assert fact.details["also_stated"] == ["1 GEFORCE RTX 3090 card"]


def test_settings_name_the_model_so_both_are_kept() -> None:
    # Liu et al. 2018 (PNASNet)
    facts = hardware(
        "In the Mobile setting, we use distributed synchronous SGD with 50 P100 workers. "
        "In the Large setting, we use 100 P100 workers."
    )
    assert {(f.model, f.count) for f in facts} == {("Mobile", 50), ("Large", 100)}


def test_a_baseline_count_after_instead_of_is_secondary() -> None:
    # Peters et al. 2017
    facts = hardware(
        "We used synchronous parameter updates across four GPUs instead of asynchronous updates "
        "across 32 GPUs and ended training after 10 epochs."
    )
    (kept,) = facts  # one identity on the page: the more confident statement wins
    assert kept.count == 4
    assert kept.details["also_stated"] == ["32 GPUs"]


def test_statements_name_their_benchmark() -> None:
    (fact,) = hardware("On WMT En→Fr, it takes around 6 days to train using 96 NVIDIA K80 GPUs.")
    assert fact.benchmark == "wmt14_en_fr"


def test_repeated_statements_are_reported_once() -> None:
    facts = hardware("We train on 8 NVIDIA P100 GPUs.", "Again, training used 8 NVIDIA P100 GPUs.")
    assert len(facts) == 1


def test_a_statement_for_one_benchmark_does_not_hide_the_general_one() -> None:
    # Vaswani et al. 2017: the abstract's En-Fr sentence and section 5.2 state the same eight
    # GPUs; kept once, the En-Fr statement alone would leave the En-De models without hardware
    facts = hardware(
        "On the WMT 2014 English-to-French translation task, our model establishes a new "
        "single-model state-of-the-art BLEU score of 41.8 after training for 3.5 days on eight "
        "GPUs.",
        "We trained our models on one machine with 8 NVIDIA P100 GPUs.",
    )
    assert {(f.accelerator, f.count, f.benchmark) for f in facts} == {
        ("P100", 8, "wmt14_en_fr"),
        ("P100", 8, None),
    }
