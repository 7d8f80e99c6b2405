"""Same PDFs, same facts: extraction must not depend on the process it runs in.

Run as a script it parses and extracts the PDFs given and prints every fact as JSON, so a test
can compare two processes with different ``PYTHONHASHSEED`` values (string hashing sets the
iteration order of sets of strings; a tie settled by that order moved 8 BLEU results of
2106.14448 between WMT14 EN-DE and EN-FR from one run to the next)::

    PYTHONHASHSEED=1 python -m tests.stress.determinism ../shared/corpus/dev/pdfs/*.pdf
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from extractors.parse.pdf import parse_pdf
from extractors.registry import run_extractors


def facts_of(pdfs: list[Path]) -> dict[str, list[str]]:
    """Each PDF's facts, every field, as sorted-key JSON lines in extraction order."""
    result = {}
    for pdf in pdfs:
        facts, _failures = run_extractors(parse_pdf(pdf))
        result[pdf.stem] = [
            json.dumps(dataclasses.asdict(f), sort_keys=True, default=str) for f in facts
        ]
    return result


if __name__ == "__main__":
    json.dump(facts_of([Path(p) for p in sys.argv[1:]]), sys.stdout)
