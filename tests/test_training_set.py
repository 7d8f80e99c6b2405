"""Epochs and training-set sizes from prose: sentences quoted from the corpus papers."""

from __future__ import annotations

import pytest

from extractors import cues
from extractors.confidence import CITED, OWN
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


@pytest.mark.parametrize(
    "sentence",
    [  # early stopping: RNN Encoder-Decoder (1406.1078), char-attention NER (1611.04361)
        "and the model was trained until the validation perplexity did not improve for 10 epochs.",
        "training was stopped if performance had not improved for 7 epochs; the best-performing",
        # architecture search: MnasNet (1807.11626), PNASNet on AmoebaNet's cost (1712.00559)
        "During architecture search, we train each sam-pled model on 5 epochs of the proxy "
        "training set using an aggressive learning schedule",
        "The reranking phase searches over 100 models each trained for 600 epochs.",
        # a warm-up: ConvNeXt (2201.03545)
        "For isotropic ConvNeXts (Section 3.3), the setting for ImageNet-1K in Table A is also "
        "adopted, but warmup is ex-tended to 50 epochs, and layer scale is disabled",
        # another dataset's training: CondenseNet's CIFAR caption (1711.09224), SAM's CIFAR
        # hyper-parameters (2010.01412)
        "with other convolutional networks on the CIFAR-10(C-10) and CIFAR-100(C-100) datasets. "
        "* indicates models that are trained with cosine shape learning rate for 600 epochs.",
        "hyper-parameter used to produce the CIFAR-{10,100} results CIFAR Dataset LR WD "
        "WRN 28-10 (200 epochs) 0.1 0.0005 0.05 0.1 WRN 28-10 (1800 epochs) 0.05 0.001",
    ],
)
def test_counts_that_are_not_the_models_training_length(sentence: str) -> None:
    assert list(extract_epochs(document(sentence))) == []


@pytest.mark.parametrize(
    "sentence",
    [  # UDA (1904.12848), SSD (1512.02325): SVHN and PASCAL VOC training sets
        "On SVHN, UDA also matches the performance of our fully supervised model trained on "
        "73,257 examples without RandAugment, which has an error rate of 2.84.",
        "3.3 PASCAL VOC2012 We use the same settings as those used for our basic VOC2007 "
        "experiments above, except that we use VOC2012 trainval and VOC2007 trainval and test "
        "(21503 images) for training, and test on VOC2012 test (10991 images).",
    ],
)
def test_another_datasets_training_set_is_not_ours(sentence: str) -> None:
    assert list(extract_training_set(document(sentence))) == []


def test_a_pre_training_set_is_no_other_dataset() -> None:
    """ViT-style JFT pre-training (2010.11929) is a phase of our model's training: kept."""
    sentence = "We pre-train on JFT-300M for 7 epochs, then fine-tune on ImageNet."
    (fact,) = extract_epochs(document(sentence))
    assert fact.details.get("phase") == "pretraining"


def test_the_models_own_training_set_names_its_benchmark() -> None:
    """GNMT (1609.08144): the benchmark a training statement names, so a row on another benchmark
    does not take it (``extractors.cues.about_another_benchmark``); pre-training is exempt (a
    detector pre-trains on ImageNet), and so is a row with no score."""
    (fact,) = extract_training_set(
        document("On WMT En → Fr, the training set contains 36M sentence pairs.")
    )
    assert fact.details == {"dataset": "wmt14_en_fr"}
    assert cues.about_another_benchmark(fact.details, {"wmt14_en_de"})
    assert not cues.about_another_benchmark(fact.details, {"wmt14_en_fr", "wmt14_en_de"})
    assert not cues.about_another_benchmark(fact.details, set())
    pre = {"phase": "pretraining", "dataset": "imagenet"}
    assert not cues.about_another_benchmark(pre, {"coco"})


@pytest.mark.parametrize(
    ("sentence", "examples"),
    [  # CBAM (1807.06521), Cascade R-CNN (1712.00726)
        ("The ImageNet-1K classification dataset [1] consists of 1.2 million images for training "
         "and 50,000 for validation with 1,000 object classes.", 1.2e6),
        ("The Cascade R-CNN was evaluated mainly on MS-COCO 2017 [22], which contains ∼ 118k "
         "images for train-ing, 5k for validation", 118e3),
    ],
)  # fmt: skip
def test_a_datasets_citation_is_not_another_works_number(sentence: str, examples: float) -> None:
    (fact,) = extract_training_set(document(sentence))
    assert fact.normalized == examples and fact.confidence == OWN
    (cited,) = extract_training_set(
        document("Their paper presented transformers trained with a large private labelled "
                 "image dataset containing 300 millions images.")
    )  # fmt: skip
    assert cited.confidence == CITED


def test_the_weights_a_training_starts_from_name_no_training_set() -> None:
    """GhostNet (1911.11907) trains its COCO detectors "from ImageNet pretrained weights": the
    12 epochs are no ImageNet training (a row of the paper's ImageNet models must not prefer
    them, ``extractors.cues.names_benchmark``)."""
    sentence = (
        "We train all the models using SGD for 12 epochs from ImageNet pretrained weights with "
        "the hyper-parameters suggested in [32, 33]."
    )
    (fact,) = extract_epochs(document(sentence))
    assert fact.normalized == 12 and "dataset" not in fact.details
