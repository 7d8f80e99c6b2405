"""What the sentence around a prose match says about it: whose work, which stage, which model.

Confidence has to mean something to a curator: a training time for the paper's main model is worth
their attention, one quoted from another paper or spent on fine-tuning much less. These cues are
shared by the hardware, training-time and size extractors; the levels they map to are the one
scale of :mod:`extractors.confidence`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Span

from extractors.accelerators import find_accelerator
from extractors.benchmark_detection import benchmarks_in, task_hints
from extractors.confidence import CITED, OWN, SECONDARY, UNCERTAIN
from extractors.vocabulary import vocabulary

_TRAINING = re.compile(
    r"\b(?:train(?:s|ed|ing)?|pre-?train(?:s|ed|ing)?|converge[sd]?|optimi[sz](?:e|ed|ing)|"
    r"steps|epochs|iterations)\b",
    re.IGNORECASE,
)
# Words of effort that often, not always, describe training: "the experiments took 3 days".
_EFFORT = re.compile(
    r"\b(?:took|takes?|taking|experiments?|complete[sd]?|finish(?:es|ed)?)\b", re.I
)
_FINE_TUNING = re.compile(r"\bfine-?\s?tun(?:e|es|ed|ing)\b", re.IGNORECASE)
_INFERENCE = re.compile(
    r"\b(?:inference|latency|throughput|speed|images?/s(?:ec)?|per second|benchmark(?:ed)?|"
    r"measured|decod(?:e|ing)|evaluat(?:e|ed|ion)|fps|run-?time|timing)\b",
    re.IGNORECASE,
)
_BASELINE = re.compile(
    r"\b(?:baselines?|prior work|previous(?:ly)?|original|reported|instead of)\b", re.IGNORECASE
)
_CITATION = re.compile(
    r"\[\d+(?:\s*[,–-]\s*\d+)*\]|\bet al\.|\(\s*[A-Z][a-z]+(?: et al\.)?,? \d{4}"
)
_ACKNOWLEDGEMENT = re.compile(
    r"\b(?:thank|thanks|donat(?:ed|ion|ing)|gratefully|acknowledge|grant|sponsor)", re.IGNORECASE
)
_OWN = re.compile(r"\b(?:we|our|ours|us)\b", re.IGNORECASE)
_OWN_MODEL = re.compile(
    r"\b(?:this|the resulting|the final|the proposed|our)\s+(?:\w+\s+)?(?:model|network|net)\b"
    r"|\bthe (?:model|network) (?:has|contains|uses|requires)\b|\bthe resulting\b",
    re.IGNORECASE,
)
_THEIRS = re.compile(r"\b(?:their|they|them)\b", re.IGNORECASE)

# A model name: a word with capitals and digits or inner capitals, often hyphenated
# ("ResNet-200", "BERT-Large", "DeiT-B", "EfficientNet-B7", "GNMT").
_MODEL_WORD = (
    r"(?:[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*|[A-Z][a-z]+[A-Z][A-Za-z0-9]*)(?:[-/][A-Za-z0-9.]+)*"
)
_MODEL_SUBJECT = re.compile(
    rf"\b(?P<model>{_MODEL_WORD})(?:\s+\([^)]{{1,30}}\))?\s+(?:model\s+)?"
    r"(?:takes|took|is trained|was trained|were trained|requires|required|trains|has|contains)\b"
)
_SIZE_MODEL = re.compile(
    r"\b(?:the|our)\s+(?P<model>base|big|large|small|tiny|huge|medium)\s+models?\b", re.IGNORECASE
)
# "In the Mobile setting, we use 50 P100 workers" -> "Mobile".
_SETTING = re.compile(
    r"\b(?:[Ii]n|[Ff]or) the (?P<model>[A-Z][\w-]*|base|big|large|small|mobile) "
    r"(?:setting|configuration|variant|regime)s?\b"
)
# "the 152-layer ResNet (11.3 billion FLOPs)", "VGG-19 (19.6 billion FLOPs)": a name just before
# the parenthesis the statement opens.
_PARENTHESIZED = re.compile(
    rf"(?P<model>(?:\d+-layer\s+)?{_MODEL_WORD}(?:\s+(?:Large|Base|Small|XL))?)\s*\(\s*"
    r"(?:with\s+|~\s*|∼\s*|≈\s*|about\s+)?$"
)
_TRAIN_OBJECT = re.compile(rf"\b(?:to )?train(?:ing)?\s+(?:the |our |a )?(?P<model>{_MODEL_WORD})")
# Words shaped like model names that are not: processors, optimizers, layer types, units, and
# the names of benchmarks, datasets, metrics and vendors (from the vocabulary).
_NOT_MODELS = {
    "GPU", "GPUs", "TPU", "TPUs", "CPU", "SGD", "Adam", "LSTM", "RNN", "CNN", "FLOPs", "MACs",
    "BN",
} | vocabulary().reserved_words()  # fmt: skip


@dataclass(frozen=True)
class Context:
    """The cues around one statement, and the confidence they add up to.

        ``cited``: another work is the subject (a citation or "their" before the statement in its
        clause, with no "we"/"our" there); a citation after it is a method reference and does not
        count. ``fine_tuning``, ``inference`` and ``baseline`` are read in the statement's own
        comma-delimited phrase, so "53 hours of pre-training, and 20 hours of fine-tuning" keeps the
        two apart. ``training`` ("trained", "pre-training", "epochs") and ``effort`` ("took", "the
    experiments") are read in the whole sentence.
    """

    training: bool
    effort: bool
    fine_tuning: bool
    inference: bool
    baseline: bool
    cited: bool

    @property
    def confidence(self) -> float:
        if self.cited:
            return CITED
        if self.fine_tuning or self.inference or self.baseline:
            return SECONDARY
        return OWN if self.training else UNCERTAIN


_CLAUSE_BREAKS = re.compile(r"[;]")
_PHRASE_BREAKS = re.compile(r"[;,()]")
_STATEMENT_BREAKS = re.compile(r"[;,()]|\band\b")

PRETRAINING, FINETUNING = "pretraining", "finetuning"
# "pre-train ConvNeXts", "is pre-trained for 1600 epochs", "images for pre-training"; not the
# adjective of a starting point ("fine-tune ImageNet-22K pre-trained models for 30 epochs").
_PRETRAINING = re.compile(
    r"\bpre-?\s?train(?:s|ed|ing)?\b(?!\s+(?:models?|weights|networks?|checkpoints?)\b)",
    re.IGNORECASE,
)


def _phrase(sentence: str, at: int, length: int) -> str:
    """The comma-delimited phrase of the statement at ``sentence[at:at + length]``."""
    return sentence[_last_break(_PHRASE_BREAKS, sentence, at) : _next_break(sentence, at + length)]


def phrase_before(sentence: str, at: int) -> str:
    """The words of a statement's phrase before ``at`` (back to a comma, semicolon or bracket)."""
    return sentence[_last_break(_PHRASE_BREAKS, sentence, at) : at]


def phase(sentence: str, at: int = 0, length: int = 0) -> str | None:
    """The training phase a count belongs to, when its comma-delimited phrase says so:
    :data:`FINETUNING` ("we fine-tune ... for 30 epochs"), :data:`PRETRAINING` ("pre-trained for 7
    epochs", "~14M images for pre-training"), else ``None`` (the model's own training).
    Fine-tuning wins: a fine-tuning statement names the pre-trained model it starts from."""
    phrase = _phrase(sentence, at, length)
    if _FINE_TUNING.search(phrase):
        return FINETUNING
    return PRETRAINING if _PRETRAINING.search(phrase) else None


# A benchmark named as the weights a training starts from is not the set it trains on: "We train
# all the models using SGD for 12 epochs from ImageNet pretrained weights" (GhostNet's COCO
# detectors), "fine-tune ImageNet-22K pre-trained models" (ConvNeXt).
_STARTING_POINT = re.compile(
    r"\S+\s+pre-?\s?trained\s+(?:weights|models?|networks?|checkpoints?|backbones?)\b",
    re.IGNORECASE,
)


def phase_details(sentence: str, at: int = 0, length: int = 0) -> dict[str, str]:
    """``details`` of an epochs or training-set fact: its :func:`phase`, and the benchmark whose
    training set it names (:func:`benchmark_of`), for pre-training ("we first pretrain the
    supernet on ImageNet [15] ... for 1100 epochs": network operations may then assume its
    standard size) and for the model's own training ("On WMT En → Fr, the training set contains
    36M sentence pairs": a row with no score on it is another experiment, see
    :func:`about_another_benchmark`), never the one it starts from ("from ImageNet pretrained
    weights"). Fine-tuning names none: it starts from another set."""
    stage = phase(sentence, at, length)
    named = _STARTING_POINT.sub(lambda m: " " * len(m.group()), sentence)
    dataset = benchmark_of(named, at, length) if stage != FINETUNING else None
    return {
        **({"phase": stage} if stage else {}),
        **({"dataset": dataset} if dataset else {}),
    }


def about_another_benchmark(details: Mapping[str, Any] | None, benchmarks: Iterable[str]) -> bool:
    """Whether an epochs or training-set fact of the model's own training (no phase) names a
    benchmark (``details["dataset"]``, :func:`phase_details`) other than ``benchmarks``, those a
    row has scores on: GNMT's "On WMT En → Fr, the training set contains 36M sentence pairs" is
    no size of its En → De row, QANet's "GNMT models on the public WMT data for both
    English-French (36M sentence pairs)" none of its SQuAD row. A paper-level statement is a
    candidate cell of every own row; ``extractors.rows`` asks this which rows it cannot be."""
    details = details or {}
    dataset, scored = details.get("dataset"), set(benchmarks)
    return bool(dataset and scored and not details.get("phase") and dataset not in scored)


def names_benchmark(details: Mapping[str, Any] | None, benchmarks: Iterable[str]) -> bool:
    """Whether an epochs or training-set fact names (``details["dataset"]``) one of
    ``benchmarks``: among a paper's statements, the one about the row's benchmark is its own
    (CBAM: "The ImageNet-1K classification dataset [1] consists of 1.2 million images for
    training" for its ImageNet rows, not "This dataset involves 80k training images" of COCO)."""
    return (details or {}).get("dataset") in set(benchmarks)


# Architecture search trains many short-lived models: "we train each sampled model on 5 epochs of
# the proxy training set" (MnasNet), "searches over 100 models each trained for 600 epochs"
# (PNASNet on AmoebaNet's cost), "trains the top 250 models for 300 epochs each".
_SEARCH = re.compile(
    r"\b(?:search(?:es|ed|ing)?|proxy|(?:sampled|child|candidate)\s+(?:models?|networks?)|"
    r"(?:models?|networks?|architectures?)\s+each)\b",
    re.IGNORECASE,
)


def is_search(sentence: str, at: int = 0, length: int = 0) -> bool:
    """Whether the comma-delimited phrase of a count speaks of an architecture search ("During
    search, we first pretrain the supernet ... for 1100 epochs" keeps its count: the search is
    another phrase)."""
    return bool(_SEARCH.search(_phrase(sentence, at, length)))


def names_another_dataset(sentence: str) -> bool:
    """Whether a sentence names a dataset that is not one of ours (the vocabulary's
    ``[other_datasets]``: CIFAR, SVHN, VOC, ...) and none of ours: a count in it is that
    dataset's ("* indicates models that are trained with cosine shape learning rate for 600
    epochs" under a CIFAR-10/100 caption, CondenseNet; "On SVHN, UDA also matches ... trained
    on 73,257 examples"; "we use VOC2012 trainval and VOC2007 trainval and test (21503 images)
    for training", SSD). Pre-training sets (JFT, ImageNet-21k: ``[pretraining]``) do not count:
    pre-training on them is a phase of our models' training."""
    words = vocabulary()
    text = sentence
    for pattern in words.pretraining:
        text = pattern.sub(" ", text)
    return words.mentions_other_dataset(text) and not (
        benchmarks_in(sentence) | task_hints(sentence)
    )


def context(sentence: str, at: int = 0, length: int = 0) -> Context:
    """Read the cues around the statement at ``sentence[at:at + length]``."""
    end = at + length
    clause_start = _last_break(_CLAUSE_BREAKS, sentence, at)
    phrase = _phrase(sentence, at, length)
    before = sentence[clause_start:at]
    return Context(
        training=bool(_TRAINING.search(sentence)),
        effort=bool(_EFFORT.search(sentence)),
        fine_tuning=bool(_FINE_TUNING.search(phrase)),
        inference=bool(_INFERENCE.search(phrase)),
        baseline=bool(_BASELINE.search(phrase_before(sentence, at) + sentence[at:end])),
        cited=bool(_CITATION.search(before) or _THEIRS.search(before)) and not _OWN.search(before),
    )


_BOUND_WORDS = ("<", ">", "≤", "≥", "less than", "fewer than", "more than", "under", "below",
                "above", "over", "up to", "at most", "at least", "within")  # fmt: skip


def is_bound(span: Span) -> bool:
    """Whether a quantity is stated as a bound ("less than 600 million FLOPs", "< 150 MFLOPs")."""
    before = span.doc[max(0, span.start - 3) : span.start].text.lower()
    before = before.replace("∼", " ").replace("~", " ").strip()
    return before.endswith(_BOUND_WORDS)


def is_acknowledgement(sentence: str) -> bool:
    """Thanks for donated hardware or grants: not a statement about how a model was trained."""
    return bool(_ACKNOWLEDGEMENT.search(sentence))


def is_own(sentence: str) -> bool:
    """Whether a sentence speaks of the paper's own work ("we", "our", "the resulting LSTM")."""
    return bool(_OWN.search(sentence) or _OWN_MODEL.search(sentence))


def benchmark_of(sentence: str, at: int = 0, length: int = 0) -> str | None:
    """The benchmark a statement is about, when the words around it name just one.

    Its own phrase first ("8 hours for NER" -> CoNLL-2003), then what leads up to it in its clause
    ("On WMT En → Fr, it takes around 6 days" -> WMT 2014 EN-FR). A benchmark named after another
    statement of the clause is that statement's ("12 hours for POS tagging and 8 hours for NER"
    leaves the 12 hours without one). It links a statement to the results it produced.
    """
    end = at + length
    phrase = sentence[_last_break(_STATEMENT_BREAKS, sentence, at) : _next_statement(sentence, end)]
    lead_up = sentence[_last_break(_CLAUSE_BREAKS, sentence, at) : at]
    for text in (phrase, lead_up):
        named = benchmarks_in(text) | task_hints(text)
        if len(named) == 1:
            return named.pop()
    return None


def _next_statement(text: str, at: int) -> int:
    m = _STATEMENT_BREAKS.search(text, at)
    return m.start() if m else len(text)


def _last_break(pattern: re.Pattern[str], text: str, at: int) -> int:
    starts = [m.end() for m in pattern.finditer(text, 0, at)]
    return starts[-1] if starts else 0


def _next_break(text: str, at: int) -> int:
    m = _PHRASE_BREAKS.search(text, at)
    return m.start() if m else len(text)


def model_in(sentence: str, at: int | None = None) -> str | None:
    """The model a statement at ``at`` in ``sentence`` is about, when the sentence names it.

    "ResNet-200 takes about 3 weeks to train" -> "ResNet-200"; "The big models were trained for
    300,000 steps" -> "big"; "In the Mobile setting, we use 50 P100 workers" -> "Mobile"; "the
    152-layer ResNet (11.3 billion FLOPs)" -> "152-layer ResNet". The nearest subject before
    ``at`` wins ("On CIFAR, ResNet-1001 takes 27 hours ...; ResNet-200 takes 3 weeks" gives each
    duration its own model). None when no
    model is named: the statement is then about the paper's main model. With no subject before
    it, what the sentence goes on to train counts ("64 V100 GPUs to train the base model").
    """
    end = len(sentence) if at is None else at
    if (m := _PARENTHESIZED.search(sentence[:end])) and m.group("model") not in _NOT_MODELS:
        return m.group("model")
    candidates = [
        (m.start(), m.group("model"))
        for m in _MODEL_SUBJECT.finditer(sentence)
        if m.start() < end
        and m.group("model") not in _NOT_MODELS
        and find_accelerator(m.group("model")) is None
    ]
    candidates += [(m.start(), m.group("model").lower()) for m in _SIZE_MODEL.finditer(sentence)]
    candidates += [(m.start(), m.group("model")) for m in _SETTING.finditer(sentence)]
    before = [c for c in candidates if c[0] < end]
    if before:
        return max(before)[1]
    objects = [
        (m.start(), m.group("model"))
        for m in _TRAIN_OBJECT.finditer(sentence, end)
        if m.group("model") not in _NOT_MODELS
    ]
    after = [c for c in candidates if c[0] >= end] + objects
    return min(after)[1] if after else None
