"""Training time stated in prose: seconds, as printed, and a confidence that means something."""

from __future__ import annotations

import pytest

from extractors.confidence import CITED, OWN, SECONDARY, UNCERTAIN
from extractors.facts import ExtractedFact
from extractors.training_time import extract_training_time
from tests.prose_helpers import document

HOUR = 3600.0
DAY = 86400.0


def times(*pages: str) -> list[ExtractedFact]:
    return list(extract_training_time(document(*pages)))


@pytest.mark.parametrize(
    ("sentence", "value", "seconds"),
    [
        # Vaswani et al. 2017
        ("The big models were trained for 300,000 steps (3.5 days).", "3.5 days", 3.5 * DAY),
        # Sutskever et al. 2014
        ("Training took about a ten days with this implementation.", "ten days", 10 * DAY),
        # Cho et al. 2014
        (
            "The model was trained for approximately three days.",
            "approximately three days",
            3 * DAY,
        ),
        # Seo et al. 2017
        (
            "The training process takes roughly 20 hours on a single Titan X GPU.",
            "roughly 20 hours",
            20 * HOUR,
        ),
        # Joshi et al. 2020
        (
            "The pre-training was done on 32 Volta V100 GPUs and took 15 days to complete.",
            "15 days",
            15 * DAY,
        ),
        # Liu et al. 2019
        (
            "We pretrain our model using 1024 V100 GPUs for approximately one day.",
            "approximately one day",
            DAY,
        ),
        # Chollet 2017: "each" is per experiment, not a rate
        (
            "The ImageNet experiments took approximately 3 days each.",
            "approximately 3 days",
            3 * DAY,
        ),
        # Devlin et al. 2019
        ("Each pretraining took 4 days to complete.", "4 days", 4 * DAY),
        ("Pre-training took ~3 days on 8 GPUs.", "~3 days", 3 * DAY),
        # He et al. 2017 (Mask R-CNN)
        (
            "Training with ResNet-50-FPN on COCO trainval35k takes 32 hours in our synchronized "
            "8-GPU implementation.",
            "32 hours",
            32 * HOUR,
        ),
        # Clark et al. 2020: a table cell "4d on 16 TPUv3s"
        ("ELECTRA-Base 6.4e19 / 2.9e10 110M 4d on 16 TPUv3s", "4d", 4 * DAY),
    ],
)
def test_training_times_from_real_sentences(sentence: str, value: str, seconds: float) -> None:
    facts = times(sentence)
    assert [(f.value, f.normalized) for f in facts] == [(value, pytest.approx(seconds))]
    assert facts[0].unit == "s"


@pytest.mark.parametrize(
    ("sentence", "value", "seconds"),
    [
        # Krizhevsky et al. 2012; Thompson et al. record 6 days
        (
            "Our network takes between five and six days to train on two GTX 580 3GB GPUs.",
            "five and six days",
            6 * DAY,
        ),
        # Simonyan & Zisserman 2015
        (
            "On a system equipped with four NVIDIA Titan Black GPUs, training a single net took "
            "2–3 weeks depending on the architecture.",
            "2–3 weeks",
            21 * DAY,
        ),
    ],
)
def test_ranges_keep_their_upper_end_at_lower_confidence(
    sentence: str, value: str, seconds: float
) -> None:
    (fact,) = times(sentence)
    assert (fact.value, fact.normalized) == (value, pytest.approx(seconds))
    assert fact.confidence <= UNCERTAIN
    assert fact.details["range"]


def test_each_duration_is_linked_to_the_model_it_trained() -> None:
    # He et al. 2016 (identity mappings)
    facts = times(
        "On CIFAR, ResNet-1001 takes about 27 hours to train on 2 GPUs; on ImageNet, ResNet-200 "
        "takes about 3 weeks to train on 8 GPUs (on par with VGG nets [22])."
    )
    assert {(f.model, f.normalized) for f in facts} == {
        ("ResNet-1001", 27 * HOUR),
        ("ResNet-200", 21 * DAY),
    }
    assert all(f.confidence == OWN for f in facts)  # the trailing citation is a comparison


def test_base_and_big_models() -> None:
    facts = times(
        "We trained the base models for a total of 100,000 steps or 12 hours. "
        "The big models were trained for 300,000 steps (3.5 days)."
    )
    assert {(f.model, f.normalized) for f in facts} == {("base", 12 * HOUR), ("big", 3.5 * DAY)}


def test_confidence_separates_own_training_from_fine_tuning_and_cited_work() -> None:
    # Touvron et al. 2021; one sentence per page, as the store keeps one fact per page and model
    own, fine_tuning = times(
        "In our paper, we train a vision transformer on a single 8-GPU node in 53 hours of "
        "pre-training.",
        "In our paper, we train a vision transformer in 53 hours of pre-training, and optionally "
        "20 hours of fine-tuning.",
    )
    (cited,) = times("Their single best model took three weeks to train on 32 GPUs.")
    (other,) = times("The RL method in [41] trains 20,000 networks across 500 GPUs over 4 days.")
    assert own.normalized == 53 * HOUR and own.confidence == OWN
    assert fine_tuning.normalized == 20 * HOUR and fine_tuning.confidence == SECONDARY
    assert cited.confidence == CITED
    assert other.confidence == CITED


@pytest.mark.parametrize(
    "sentence",
    [
        "Training takes 3 hours per epoch on 8 GPUs.",  # a rate
        "Our method takes 92.4 GPU days to pretrain.",  # aggregate compute
        "Decoding 3003 sentences takes 20 minutes.",  # not training, and too short to be one
        "The workshop lasted two days.",  # not about training
        "Each training iteration takes 5 minutes.",  # under the minimum
    ],
)
def test_durations_that_are_not_training_times(sentence: str) -> None:
    assert times(sentence) == []


def test_bounds_are_kept_at_lower_confidence() -> None:
    # Touvron et al. 2021
    (fact,) = times(
        "We produce transformers trained on ImageNet on a single computer in less than 3 days."
    )
    assert fact.normalized == 3 * DAY
    assert fact.confidence <= UNCERTAIN and fact.details["bound"]


def test_abbreviated_hours_and_figure_text() -> None:
    assert [f.normalized for f in times("Training takes 40 h on 8 GPUs.")] == [40 * HOUR]
    assert times("Self-Attention Transition h t+2 1 1 1 h t training") == []
    assert times("4.2 H ESSIAN S PECTRA of the training loss") == []


def test_times_name_their_benchmark_and_share_a_page_without_colliding() -> None:
    # Ma & Hovy 2016
    facts = times("The model training requires about 12 hours for POS tagging and 8 hours for NER.")
    assert {(f.benchmark, f.normalized) for f in facts} == {
        (None, 12 * HOUR),
        ("conll03", 8 * HOUR),
    }


def test_the_same_time_stated_twice_is_one_fact() -> None:
    facts = times(
        "Training took 3.5 days on 8 P100 GPUs.", "As noted, training took 3.5 days in total."
    )
    assert len(facts) == 1
