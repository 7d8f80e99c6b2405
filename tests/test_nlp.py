"""The rule pipeline: rules are validated data, every match remembers its rule, pages map back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractors.nlp import (
    EVIDENCE_WINDOW,
    LABELS,
    SPANS_KEY,
    Rule,
    RuleError,
    find,
    get_nlp,
    join_lines,
    load_rules,
)
from extractors.parse.document import Document, Page
from extractors.references import reference_lines
from tests.prose_helpers import document


def write_rules(directory: Path, *rules: dict | str) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rules]
    (directory / "rules.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


GOOD = {"id": "t.one", "label": "HARDWARE", "pattern": [{"LOWER": "gpu"}], "note": "'GPU'"}


def test_the_shipped_rules_load_with_unique_ids_known_labels_and_notes() -> None:
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert {r.label for r in rules} <= set(LABELS)
    assert all(r.note for r in rules), "every rule says what it is for"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({**GOOD, "lable": "HARDWARE"}, "unknown keys"),
        ({"id": "t.x", "pattern": [{"LOWER": "gpu"}]}, "missing keys"),
        ({**GOOD, "label": "GPU"}, "unknown label"),
        ({**GOOD, "pattern": []}, "non-empty list"),
        ({**GOOD, "pattern": "GPU"}, "non-empty list"),
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_malformed_rules_fail_with_file_and_line(
    tmp_path: Path, rule: dict | str, message: str
) -> None:
    write_rules(tmp_path, GOOD, rule)
    with pytest.raises(RuleError, match=rf"rules\.jsonl:2: .*{message}"):
        load_rules(tmp_path)


def test_duplicate_rule_ids_name_both_places(tmp_path: Path) -> None:
    write_rules(tmp_path, GOOD, GOOD)
    with pytest.raises(
        RuleError, match=r"rules\.jsonl:2: rule id 't\.one' already defined at rules\.jsonl:1"
    ):
        load_rules(tmp_path)


def test_an_empty_rules_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no rules"):
        load_rules(tmp_path)


@pytest.mark.parametrize("rule", load_rules(), ids=lambda r: r.id)
def test_every_rule_matches_the_examples_its_note_quotes(rule: Rule) -> None:
    examples = re.findall(r"(?:^|(?<=[\s(]))'([^']+)'(?=[,.;:)]|\s|$)", rule.note)
    assert examples, f"{rule.id}: quote at least one example in the note"
    nlp = get_nlp()
    for example in examples:
        doc = nlp(example)
        fired = {span.id_ for span in doc.spans[SPANS_KEY]}
        assert rule.id in fired, f"{rule.id} does not match its example {example!r}"


def test_matches_carry_rule_page_evidence_and_line_boxes() -> None:
    doc = document("Intro.", "Setup first line\nWe train on 8 NVIDIA\nP100 GPUs. Then more.")
    (match,) = find(doc, "HARDWARE")
    assert match.rule == "hw.count_named"
    assert match.page.page.number == 2
    assert match.evidence == "Setup first line We train on 8 NVIDIA P100 GPUs."
    assert match.bbox == (72.0, 84.0, 540.0, 108.0)  # the two lines the phrase spans
    assert match.evidence[match.offset :].startswith("8 NVIDIA P100 GPUs")


def test_overlong_sentences_keep_a_window_around_the_match() -> None:
    table = " ".join(f"{i}.5" for i in range(200))
    (match,) = find(document(f"{table} trained on 8 GPUs {table}"), "HARDWARE")
    assert len(match.evidence) <= EVIDENCE_WINDOW + len(match.span.text) + 2
    assert match.evidence[match.offset :].startswith("8 GPUs")


def test_hyphenated_line_ends_join_without_a_space() -> None:
    text, starts = join_lines(["the model has 3.8 billion multiply-", "adds per image"])
    assert text == "the model has 3.8 billion multiply-adds per image"
    assert starts == [0, 35]


def test_decimals_split_by_the_text_layer_are_rejoined() -> None:
    (match,) = find(document("a budget of 1 . 5 billion multiply-adds"), "FLOPS")
    assert match.span.text == "1.5 billion multiply-adds"


def test_the_reference_list_is_skipped_until_the_appendix() -> None:
    pages = [
        ["We train on 8 GPUs.", "References"],
        ["[1] A. Author and B. Author. Training on 256 GPUs in 1 hour.", "A Training details"],
        ["We train on 4 GPUs."],
    ]
    assert reference_lines(pages) == [{1}, {0}, set()]
    doc = document(*("\n".join(p) for p in pages))
    assert [m.span.text for m in find(doc, "HARDWARE")] == ["8 GPUs", "4 GPUs"]


@pytest.mark.parametrize(
    "heading",
    [
        "References",
        "R EFERENCES",  # small caps as the text layer spaces them
        "7 References",
        "because of which we are able to detect true positives above References",  # columns merged
        "References [18] O. Russakovsky, L.-J. Li, and L. Fei-Fei.",
    ],
)
def test_reference_headings_as_text_layers_print_them(heading: str) -> None:
    assert reference_lines([["We train on 8 GPUs.", heading, "[1] Entry."]]) == [{1, 2}]


def test_a_later_appendix_letter_does_not_end_the_references() -> None:
    # the right column's "C ..." heading can come before the left column's last references
    pages = [["References", "C Finetuning Hyperparameters", "time from 3 days to 76 minutes."]]
    assert reference_lines(pages) == [{0, 1, 2}]


def test_find_rejects_unknown_labels() -> None:
    with pytest.raises(ValueError, match="unknown label"):
        find(document("text"), "RESULTS")


def test_pages_without_lines_are_read_from_their_text_without_boxes() -> None:
    page = Page(number=1, width=612.0, height=792.0, text="We train on\n8 NVIDIA P100 GPUs.")
    (match,) = find(Document(sha256="x", pages=[page]), "HARDWARE")
    assert match.span.text == "8 NVIDIA P100 GPUs"
    assert match.bbox is None


def test_an_empty_document_has_no_matches() -> None:
    assert find(Document(sha256="x", pages=[]), "DURATION") == []


def test_sentences_end_at_a_stop_before_a_capital_not_at_abbreviations() -> None:
    doc = get_nlp()(
        "As Fig. 3 shows, we use 8 GPUs vs. 4 before. Training took 3 days (see e.g. [4])."
    )
    assert [s.text for s in doc.sents] == [
        "As Fig. 3 shows, we use 8 GPUs vs. 4 before.",
        "Training took 3 days (see e.g. [4]).",
    ]
