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
        # a hedge glued to the count: RandWire (1904.01569), ConvNeXt (2201.03545)
        ("We train on the training set with ∼1.28M images and test on the 50K validation images.",
         1.28e6, "images"),
        ("We use a mini-batch of 128 examples for training.", None, None),
        ("state of the art on the provided validation set comprising 50000 images", None, None),
    ],
)  # fmt: skip
def test_training_examples(sentence: str, examples: float | None, unit: str | None) -> None:
    facts = list(extract_training_set(document(sentence)))
    assert [(f.normalized, f.unit) for f in facts] == ([(examples, unit)] if examples else [])


@pytest.mark.parametrize(
    ("sentence", "epochs", "phase"),
    [  # ConvNeXt (2201.03545), ViT (2010.11929), MAE (2111.06377), CoAtNet (2106.04803)
        ("We pre-train ConvNeXts on ImageNet-22K for 90 epochs with a warmup of 5 epochs.", 90,
         "pretraining"),
        ("L/16 and H/14 pre-trained for 14 epochs; and 5 hybrids", 14, "pretraining"),
        ("Here our MAE reconstructs normalized pixels and is pre-trained for 1600 epochs.", 1600,
         "pretraining"),
        ("We fine-tune ImageNet-22K pre-trained models on ImageNet-1K for 30 epochs.", 30,
         "finetuning"),
        ("we finetune the two JFT pre-trained models above on ImageNet-1K for 30 epochs and", 30,
         "finetuning"),
        ("Training on ImageNet-1K. We train ConvNeXts for 300 epochs using AdamW", 300, None),
    ],
)  # fmt: skip
def test_epochs_carry_the_phase_their_phrase_names(
    sentence: str, epochs: float, phase: str | None
) -> None:
    (fact,) = extract_epochs(document(sentence))
    assert (fact.normalized, fact.details.get("phase")) == (epochs, phase)


def test_a_pre_training_set_is_told_from_the_target_training_set() -> None:
    """ConvNeXt: "~14M images for pre-training, and then fine-tune the pre-trained model"; its
    own "1.2M training images" (as ViT's "ImageNet ... with 1k classes and 1.3M images") is the
    model's training set."""
    pre = "ImageNet-22K, a larger dataset of 21841 classes with ∼14M images for pre-training, and"
    (fact,) = extract_training_set(document(pre))
    assert (fact.normalized, fact.details.get("phase")) == (14e6, "pretraining")
    (own,) = extract_training_set(document("ImageNet-1K dataset with 1.2M training images."))
    assert own.details.get("phase") is None


def test_phases_of_one_page_stay_two_facts() -> None:
    """The same model's training and pre-training epochs on one page are two statements."""
    text = (
        "We train ConvNeXts for 300 epochs using AdamW. "
        "We pre-train ConvNeXts on ImageNet-22K for 90 epochs with a warmup."
    )
    assert sorted(f.normalized for f in extract_epochs(document(text))) == [90, 300]


def test_pre_training_names_the_benchmark_whose_set_it_uses() -> None:
    """FBNetV5 (2111.10007) pre-trains its supernet on ImageNet itself; ConvNeXt's ImageNet-22K
    is another dataset, whose size only a stated count gives."""
    fbnet = (
        "During search, we first pretrain the supernet on ImageNet [15] with classification "
        "labels for 1100 epochs, mostly following a regular classification training recipe"
    )
    (fact,) = extract_epochs(document(fbnet))
    assert fact.details == {"phase": "pretraining", "dataset": "imagenet"}
    convnext = "We pre-train ConvNeXts on ImageNet-22K for 90 epochs with a warmup of 5 epochs."
    (fact,) = extract_epochs(document(convnext))
    assert fact.details == {"phase": "pretraining"}
