"""What the sentence around a prose match says about it: whose work, which stage, which model.

Confidence has to mean something to a curator: a training time for the paper's main model is worth
their attention, one quoted from another paper or spent on fine-tuning much less. These cues are
shared by the hardware, training-time and size extractors so the scale is the same for all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.accelerators import find_accelerator

# Confidence levels, highest first. A statement about the paper's own training is "own"; one that
# names fine-tuning, a baseline or inference is "secondary"; one citing others' work is "cited".
OWN = 0.85
UNCERTAIN = 0.6
SECONDARY = 0.4
CITED = 0.2

_TRAINING = re.compile(
    r"\b(?:train(?:s|ed|ing)?|pre-?train(?:s|ed|ing)?|took|takes?|taking|converge[sd]?|"
    r"optimi[sz](?:e|ed|ing)|run (?:on|for)|experiments?)\b",
    re.IGNORECASE,
)
_FINE_TUNING = re.compile(r"\bfine-?\s?tun(?:e|es|ed|ing)\b", re.IGNORECASE)
_INFERENCE = re.compile(
    r"\b(?:inference|latency|throughput|speed|images?/s(?:ec)?|per second|benchmark(?:ed)?|"
    r"measured|decod(?:e|ing)|evaluat(?:e|ed|ion))\b",
    re.IGNORECASE,
)
_BASELINE = re.compile(r"\b(?:baselines?|prior work|previous(?:ly)?|original|reported)\b", re.I)
_CITATION = re.compile(
    r"\[\d+(?:\s*[,–-]\s*\d+)*\]|\bet al\.|\(\s*[A-Z][a-z]+(?: et al\.)?,? \d{4}"
)
_OWN = re.compile(r"\b(?:we|our|ours|us)\b", re.IGNORECASE)

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
_NOT_MODELS = {
    "GPU",
    "GPUs",
    "TPU",
    "TPUs",
    "CPU",
    "NVIDIA",
    "ImageNet",
    "COCO",
    "SQuAD",
    "WMT",
    "BLEU",
    "SGD",
    "Adam",
    "LSTM",
    "RNN",
    "CNN",
    "FLOPs",
    "MACs",
    "BN",
    "ILSVRC",
    "VOC",
    "PASCAL",
    "JFT",
}


@dataclass(frozen=True)
class Context:
    """The cues of one sentence, and the confidence they add up to."""

    training: bool
    fine_tuning: bool
    inference: bool
    baseline: bool
    cited: bool
    own: bool

    @property
    def confidence(self) -> float:
        if self.cited and not self.own:
            return CITED
        if self.fine_tuning or self.inference or self.baseline:
            return SECONDARY
        return OWN if self.training else UNCERTAIN


def context(sentence: str) -> Context:
    """Read the cues of ``sentence``."""
    return Context(
        training=bool(_TRAINING.search(sentence)),
        fine_tuning=bool(_FINE_TUNING.search(sentence)),
        inference=bool(_INFERENCE.search(sentence)),
        baseline=bool(_BASELINE.search(sentence)),
        cited=bool(_CITATION.search(sentence)),
        own=bool(_OWN.search(sentence)),
    )


def model_in(sentence: str) -> str | None:
    """The model a sentence makes a statement about, when it names one as the subject.

    "ResNet-200 takes about 3 weeks to train" -> "ResNet-200"; "The big models were trained for
    300,000 steps" -> "big". None when no model is the subject (the paper's main model, then).
    """
    if m := _MODEL_SUBJECT.search(sentence):
        name = m.group("model")
        if name not in _NOT_MODELS and find_accelerator(name) is None:
            return name
    if m := _SIZE_MODEL.search(sentence):
        return m.group("model").lower()
    return None
