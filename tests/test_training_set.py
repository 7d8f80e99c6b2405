"""Epochs and training-set sizes from prose: sentences quoted from the corpus papers."""

from __future__ import annotations

import pytest

from extractors.epochs import extract_epochs
from extractors.training_set import extract_training_set
from tests.prose_helpers import document


@pytest.mark.parametrize(
    ("sentence", "epochs"),
    [
        ("All models are trained for 120 epochs, with a cosine shape learning rate.", 120),
        ("Following [49], our models were trained for 600 epochs.", 600),
        ("We use a minibatch size of 48 and train for 8 epochs, with early stop when", 8),
        ("we used 32 GPUs and ended training after 10 epochs.", None),
        ("trained with mini-batch size 64 for 300 epochs, unless otherwise specified.", 300),
        ("We divide the learning rate by a factor of 10 every 30 epochs.", None),
        ("the learning rate at 125, 200 and 250 epochs) achieves top-1 and top-5", None),
        ("stage, that trains the top 250 models for 300 epochs each before picking the best", None),
        ("After 5 epochs, we begun halving the learning rate every half epoch.", None),
    ],
)
def test_epochs(sentence: str, epochs: float | None) -> None:
    facts = list(extract_epochs(document(sentence)))
    assert [f.normalized for f in facts] == ([epochs] if epochs else [])


@pytest.mark.parametrize(
    ("sentence", "examples", "unit"),
    [
        ("are trained on the 1.28 million training images, and evaluated on the 50k validation",
         1.28e6, "images"),
        ("On WMT En→Fr, the training set contains 36M sentence pairs.", 36e6, "pairs"),
        ("We trained on the standard WMT 2014 English-German dataset consisting of about 4.5 "
         "million sentence pairs.", 4.5e6, "pairs"),
        ("ImageNet, which has 1.2M training examples and 50k validation examples.", 1.2e6,
         "examples"),
        ("We use a mini-batch of 128 examples for training.", None, None),
        ("state of the art on the provided validation set comprising 50000 images", None, None),
    ],
)  # fmt: skip
def test_training_examples(sentence: str, examples: float | None, unit: str | None) -> None:
    facts = list(extract_training_set(document(sentence)))
    assert [(f.normalized, f.unit) for f in facts] == ([(examples, unit)] if examples else [])
