"""The vocabulary is data: a benchmark added only there is detected, and no code names one."""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractors import registry, vocabulary
from extractors.nlp import RULES_DIR, load_rules
from extractors.parse.pdf import parse_pdf
from extractors.results import extract_results
from extractors.vocabulary import VocabularyError, load
from pipeline.sources.queries import BENCHMARK_QUERIES
from tests.fixtures.pdfs import Run, table_runs, write_pdf

ROOT = Path(__file__).resolve().parents[1]

GLUE = """
[[benchmark]]
id = "glue"
name = "GLUE"
words = ["GLUE"]
patterns = ['\\bGLUE\\b']
metrics = ["glue_score"]
default_metric = "glue_score"
primary_metric = "glue_score"
arxiv_query = "abs:GLUE"
"""
GLUE_SCORE = """
[[metric]]
id = "glue_score"
name = "GLUE score"
meaning = "average over the GLUE tasks"
unit = ""
higher_is_better = true
plausible = [50.0, 95.0]
header_patterns = ['(?i)\\bGLUE\\s+score\\b']
"""


def _copy_vocabulary(tmp_path: Path) -> Path:
    directory = tmp_path / "vocabulary"
    directory.mkdir()
    for name in vocabulary.FILES:
        shutil.copy(vocabulary.DATA_DIR / name, directory / name)
    return directory


def _add(directory: Path, name: str, text: str, *, drop: str = "") -> None:
    path = directory / name
    content = path.read_text(encoding="utf-8")
    if drop:
        assert drop in content
        content = content.replace(drop, "")
    # new array entries go before the first non-array table, where TOML puts them in order
    marker = "\n[family." if name == "benchmarks.toml" else "\n[generic_accuracy]"
    head, _, tail = content.partition(marker)
    path.write_text(f"{head}\n{text}\n{marker}{tail}", encoding="utf-8")


@pytest.fixture
def use_vocabulary(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the loader at another directory for one test; the default comes back after."""
    yield
    monkeypatch.undo()
    vocabulary.vocabulary.cache_clear()


def test_a_benchmark_defined_only_in_data_is_detected_in_a_results_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_vocabulary: None
) -> None:
    data = _copy_vocabulary(tmp_path)
    _add(data, "benchmarks.toml", GLUE, drop="|GLUE")  # ours now, so not "another dataset"
    _add(data, "metrics.toml", GLUE_SCORE)
    monkeypatch.setattr(vocabulary, "DATA_DIR", data)
    vocabulary.vocabulary.cache_clear()
    rows = [["Model", "GLUE score"], ["BERT-Base [7]", "78.3"], ["Ours", "81.2"]]
    runs = [Run(60, 60, "A language model evaluated on GLUE", 14)]
    runs += [Run(60, 100, "Table 1: Results on the GLUE test set.", 9)]
    runs += table_runs(60, 120, rows, [0, 120])
    document = parse_pdf(write_pdf(tmp_path / "glue.pdf", [runs]))

    facts = {f.model: f for f in extract_results(document)}

    assert set(facts) == {"BERT-Base [7]", "Ours"}
    ours = facts["Ours"]
    assert (ours.benchmark, ours.metric, ours.unit) == ("glue", "glue_score", None)
    assert ours.error == pytest.approx(1 - 0.812)
    assert ours.confidence > facts["BERT-Base [7]"].confidence
    assert vocabulary.vocabulary().arxiv_queries()["glue"] == "abs:GLUE"


def test_without_that_entry_a_glue_table_is_another_datasets(tmp_path: Path) -> None:
    rows = [["Model", "Accuracy"], ["BERT-Base [7]", "78.3"], ["Ours", "81.2"]]
    runs = [Run(60, 60, "A network evaluated on ImageNet", 14)]
    runs += [Run(60, 100, "Table 1: Results on the GLUE test set.", 9)]
    runs += table_runs(60, 120, rows, [0, 120])
    assert extract_results(parse_pdf(write_pdf(tmp_path / "glue.pdf", [runs]))) == []


def test_a_benchmark_also_listed_as_another_dataset_is_refused(tmp_path: Path) -> None:
    data = _copy_vocabulary(tmp_path)
    _add(data, "benchmarks.toml", GLUE)  # other_datasets still lists GLUE
    _add(data, "metrics.toml", GLUE_SCORE)
    with pytest.raises(VocabularyError, match=r"other_datasets.*'GLUE'.*'glue'"):
        load(data)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("benchmarks.toml", 'primary_metric = "top1"', 'primary_metric = "top9"', "top9"),
        ("benchmarks.toml", 'family = "wmt14"', 'family = "wmt15"', "unknown family"),
        ("metrics.toml", 'unit = "%"', 'units = "%"', "unknown keys"),
        ("accelerators.toml", 'kind = "gpu"', 'kind = "npu"', "unknown kind"),
        ("metrics.toml", "higher_is_better = true", "higher_is_better = false", "higher-is"),
        ("benchmarks.toml", "'(?i)squad'", "'(?i)squad('", "bad regex"),
        (
            "benchmarks.toml",
            'recorded_metrics = ["top1", "top5"]',
            'recorded_metrics = ["top5"]',
            "recorded_metrics must hold primary_metric",
        ),
        (
            "benchmarks.toml",
            'recorded_metrics = ["top1", "top5"]',
            'recorded_metrics = ["top1", "box_ap"]',
            "only its metrics",
        ),
    ],
)
def test_malformed_vocabulary_names_file_and_entry(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    data = _copy_vocabulary(tmp_path)
    path = data / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(VocabularyError, match=rf"{re.escape(file)}.*{re.escape(message)}"):
        load(data)


def test_family_members_share_the_familys_query() -> None:
    vocab = vocabulary.vocabulary()
    wmt = vocab.families["wmt14"]
    assert BENCHMARK_QUERIES["wmt14"] == wmt.arxiv_query
    assert vocab.family_members("wmt14") == {"wmt14_en_de", "wmt14_en_fr"}
    assert set(BENCHMARK_QUERIES) == {"imagenet", "coco", "squad11", "conll03", "wmt14"}


def _code_texts(path: Path) -> Iterator[tuple[int, str]]:
    """String literals and names of a module; docstrings and comments are documentation."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.lineno, node.value
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id
        elif isinstance(node, ast.Attribute):
            yield node.lineno, node.attr


def _vocabulary_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    vocab = vocabulary.vocabulary()
    ids = [*vocab.benchmarks, *vocab.families]
    names = [a.name for a in vocab.accelerators.rows]
    names += [t for a in vocab.accelerators.rows for t in (*a.tokens, *a.glued_tokens)]
    names = [n for n in names if re.fullmatch(r"[\w ()]+", n)]
    benchmark_id = re.compile(rf"(?<![\w])(?:{'|'.join(map(re.escape, ids))})(?![\w])")
    accelerator = re.compile(
        rf"(?<![A-Za-z0-9])(?:{'|'.join(map(re.escape, names))})(?![A-Za-z0-9])", re.I
    )
    return benchmark_id, accelerator


def test_no_benchmark_id_or_accelerator_name_in_extraction_or_pipeline_code() -> None:
    benchmark_id, accelerator = _vocabulary_words()
    found = []
    modules = [*ROOT.glob("extractors/**/*.py"), *ROOT.glob("pipeline/**/*.py")]
    for path in sorted(modules):
        if "vocabulary" in path.relative_to(ROOT).parts:
            continue
        for line, text in _code_texts(path):
            for pattern in (benchmark_id, accelerator):
                if match := pattern.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}")
    assert not found, "vocabulary in code (it belongs in extractors/vocabulary/):\n" + "\n".join(
        found
    )


def test_no_accelerator_name_in_rule_patterns() -> None:
    _, accelerator = _vocabulary_words()
    for path in sorted(RULES_DIR.glob("*.jsonl")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            pattern = json.dumps(json.loads(raw)["pattern"])
            assert not accelerator.search(pattern), f"{path.name}:{number} names an accelerator"


def test_rule_token_sets_come_from_the_vocabulary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_vocabulary: None
) -> None:
    data = _copy_vocabulary(tmp_path)
    path = data / "accelerators.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("tokens = ['h100']", "tokens = ['h100', 'h200']"), "utf-8")
    monkeypatch.setattr(vocabulary, "DATA_DIR", data)
    vocabulary.vocabulary.cache_clear()
    rule = next(r for r in load_rules() if r.id == "hw.count_named")
    name_token = next(t for t in rule.pattern if "REGEX" in t.get("LOWER", {}))
    assert re.fullmatch(name_token["LOWER"]["REGEX"], "h200s")


def test_an_unknown_accelerator_token_set_is_a_rule_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "x.jsonl").write_text(
        '{"id": "x", "label": "HARDWARE", "pattern": [{"ACCELERATOR": "nmae"}]}\n'
    )
    with pytest.raises(ValueError, match=r"x\.jsonl:1: unknown ACCELERATOR set 'nmae'"):
        load_rules(rules)


def test_editing_a_rule_or_the_vocabulary_changes_the_extractor_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    data = _copy_vocabulary(tmp_path)
    monkeypatch.setattr(registry, "RULES_DIR", rules)
    monkeypatch.setattr(vocabulary, "DATA_DIR", data)
    before = registry.signature()
    assert before.endswith(f"data@{registry.data_digest()[:12]}")

    hardware = rules / "hardware.jsonl"
    hardware.write_text(hardware.read_text().replace("'8 NVIDIA P100 GPUs'", "'8 GPUs'"))
    after_rules = registry.signature()
    assert after_rules != before

    metrics = data / "metrics.toml"
    metrics.write_text(metrics.read_text().replace("[10.0, 50.0]", "[10.0, 55.0]", 1))
    assert registry.signature() not in (before, after_rules)
