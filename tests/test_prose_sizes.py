"""Parameter counts and FLOPs stated in prose."""

from __future__ import annotations

import pytest

from extractors.confidence import CITED, OWN
from extractors.facts import ExtractedFact
from extractors.flops import extract_flops
from extractors.parameters import extract_parameters
from tests.prose_helpers import document


def parameters(*pages: str) -> list[ExtractedFact]:
    return list(extract_parameters(document(*pages)))


def flops(*pages: str) -> list[ExtractedFact]:
    return list(extract_flops(document(*pages)))


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        # Sutskever et al. 2014
        ("The resulting LSTM has 384M parameters of which 64M are pure recurrent.", 384e6),
        # Seo et al. 2017
        ("The model has about 2.6 million parameters.", 2.6e6),
        # Ioffe & Szegedy 2015, with the exponent flattened by the PDF text layer
        ("The network contains 13.6 · 10 6 parameters.", 13.6e6),
        ("The network contains 13.6 · 10^6 parameters.", 13.6e6),
        # Wei et al. 2021
        ("We take a 137B parameter pretrained language model and instruction tune it.", 137e9),
        # Liu et al. 2019
        ("following the BERTLARGE architecture (L = 24, H = 1024, A = 16, 355M parameters)", 355e6),
        # Houlsby et al. 2019
        ("adapter tuning with size 64 yields approximately 2 M trainable parameters", 2e6),
        # He et al. 2021
        ("DeBERTa with 1.5 billion parameters surpasses the human baseline.", 1.5e9),
        ("the 1.5-billion-parameter DeBERTa is much more energy efficient", 1.5e9),
        # Raffel et al. 2020
        ("We train an 11B-parameter model.", 11e9),
        # Jaderberg et al. 2017, the exponent flattened by the text layer
        (
            "This model has the same number of parameters as the base configuration that runs on "
            "8 GPUs (6.5 × 10 7), but sees fewer examples.",
            6.5e7,
        ),
    ],
)
def test_parameter_counts(sentence: str, count: float) -> None:
    facts = parameters(sentence)
    assert [f.normalized for f in facts] == [pytest.approx(count)]
    assert facts[0].kind == "parameters"


@pytest.mark.parametrize(
    ("sentence", "value", "normalized", "kind"),
    [
        # He et al. 2016
        ("This model has 3.8 billion FLOPs.", "3.8 billion FLOPs", 3.8e9, "flops"),
        ("the 152-layer ResNet (11.3×10^9 FLOPs)", "11.3×10^9 FLOPs", 11.3e9, "flops"),
        # Szegedy et al. 2015
        (
            "the models were designed to keep a computational budget of 1.5 billion multiply-adds "
            "at inference time",
            "1.5 billion multiply-adds",
            3.0e9,
            "multiply_adds",
        ),
        # Howard et al. 2017
        (
            "We seek to reduce a classifier with 1600 million Mult-Adds.",
            "1600 million Mult-Adds",
            3.2e9,
            "multiply_adds",
        ),
        # Hu et al. 2018
        (
            "ResNet-50 requires ∼ 3.86 GFLOPs in a single forward pass for a 224 × 224 image.",
            "3.86 GFLOPs",
            3.86e9,
            "flops",
        ),
        # Zhang et al. 2018
        ("our ShuffleNet 2× at 524 MFLOPs", "524 MFLOPs", 524e6, "flops"),
        # Tan & Le 2019, MACs
        ("a model with 569M MACs", "569M MACs", 1138e6, "multiply_adds"),
        # He et al. 2016 define their FLOPs as multiply-adds
        (
            "Our 34-layer baseline has 3.6 billion FLOPs (multiply-adds).",
            "3.6 billion FLOPs",
            7.2e9,
            "multiply_adds",
        ),
    ],
)
def test_flops(sentence: str, value: str, normalized: float, kind: str) -> None:
    (fact,) = flops(sentence)
    assert (fact.value, fact.flops_kind) == (value, kind)
    assert fact.normalized == pytest.approx(normalized)


@pytest.mark.parametrize(
    "sentence",
    [
        "The V100 delivers 125 TFLOPS of tensor throughput.",  # a device rate
        "we focus on models that require less than 600 million FLOPs",  # a bound
        "Though our network is designed for small models ( < 150 MFLOPs), it works.",
        "Pre-training ELECTRA-Large takes 3.1e20 FLOPs.",  # training total, in no size pattern
        "Training used 2.3e21 FLOPs (1.6 × 10 21 FLOPs for the generator).",  # a training total
    ],
)
def test_flops_that_are_not_per_pass_sizes(sentence: str) -> None:
    assert flops(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "with a drop rate of 0.1 for CondenseNets with > 3 million parameters",  # a bound
        "Each layer adds 12 parameters.",  # too small to be a model size
        "VGGNet employed about 3x more parameters than AlexNet.",  # a ratio
    ],
)
def test_parameter_mentions_that_are_not_model_sizes(sentence: str) -> None:
    assert parameters(sentence) == []


def test_confidence_separates_own_models_from_cited_ones() -> None:
    own = parameters("The model has about 2.6 million parameters.")
    cited = parameters(
        "While the full PlaNet model based on the Inception V3 architecture [31] has 52 million "
        "parameters."
    )
    assert own[0].confidence == OWN
    assert cited[0].confidence == CITED


def test_sizes_are_linked_to_the_model_the_sentence_names() -> None:
    (fact,) = flops("SE-ResNet-50 requires ∼ 3.87 GFLOPs, a 0.26% relative increase.")
    assert fact.model == "SE-ResNet-50"


def test_sizes_in_parentheses_belong_to_the_name_before_them() -> None:
    # He et al. 2016: two FLOPs figures on one page stay two facts
    facts = flops(
        "This model has 3.8 billion FLOPs. Remarkably, the 152-layer ResNet (11.3 billion FLOPs) "
        "still has lower complexity than VGG-16/19 nets (15.3/19.6 billion FLOPs)."
    )
    assert {(f.model, f.normalized) for f in facts} >= {
        (None, 3.8e9),
        ("152-layer ResNet", 11.3e9),
    }


def test_one_fact_per_value_and_model() -> None:
    facts = parameters(
        "LSTMs (with 384M parameters and 8,000 dimensional state each).",
        "The resulting LSTM has 384M parameters.",
    )
    assert len(facts) == 1
    assert facts[0].page == 2  # the more confident statement is kept
