"""Where a paper's reference list is, so extractors read only the paper's own text.

"Training ImageNet in 1 hour" in the references is a title, not a statement, and a benchmark
named there is not one the paper reports on. Every extractor that skips references asks here.
"""

from __future__ import annotations

import re

# The reference list's heading: alone on its line ("References", small caps "R EFERENCES"), or
# merged by the text layer with the other column's text ("... above References", "References [18]").
_REFERENCES = re.compile(
    r"^\s*(?:\d+\.?\s*)?(?:r\s?eferences|b\s?ibliography)\s*$"
    r"|(?-i:\sReferences)$|^(?-i:References)\s+\[\d+\]",
    re.IGNORECASE,
)
# The first heading after it: "Appendix", "Supplementary material", "A Training details". Later
# letters are not trusted: a right-column "C ..." heading can precede the left column's last
# references in the text layer's order.
_AFTER_REFERENCES = re.compile(
    r"^\s*(?:(?i:appendix|appendices|supplementary)|A(?:\.1)?\.?\s+[A-Z][A-Za-z -]+$)"
)


def reference_lines(pages: list[list[str]]) -> list[set[int]]:
    """Per page, the indices of lines in the reference list (from its heading to the appendix)."""
    inside = False
    result: list[set[int]] = []
    for texts in pages:
        skipped: set[int] = set()
        for index, text in enumerate(texts):
            if _REFERENCES.search(text):
                inside = True
            elif inside and _AFTER_REFERENCES.match(text):
                inside = False
            if inside:
                skipped.add(index)
        result.append(skipped)
    return result
