"""The evidence sentence as HTML, with the fact's number marked: PDF text is untrusted input.

The text is split at the number's occurrences and every piece is escaped on its own; only the
``<mark>`` tags this module writes are markup. Nothing from the PDF (or from the value, which the
PDF also supplied) can close a tag, open a script or smuggle an attribute.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def highlight(evidence: str | None, value: str | None) -> Markup:
    """``evidence`` escaped, with each standalone occurrence of ``value`` in ``<mark>``."""
    text = evidence or ""
    spans = _occurrences(text, value or "")
    pieces: list[Markup] = []
    position = 0
    for start, end in spans:
        pieces.append(escape(text[position:start]))
        pieces.append(Markup("<mark>%s</mark>") % text[start:end])
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    """Where ``value`` stands in ``text`` as a whole number (76.1 is not inside 176.15).

    When the value as printed is not found verbatim ("76.1%" in a table cell "76.1"), its
    numeric part is looked for instead.
    """
    candidates = [value.strip()]
    number = _NUMBER.search(value)
    if number:
        candidates.append(number.group())
    for candidate in candidates:
        if not candidate:
            continue
        pattern = re.compile(rf"(?<![\d.,]){re.escape(candidate)}(?![\d]|[.,]\d)")
        spans = [m.span() for m in pattern.finditer(text)]
        if spans:
            return spans
    return []
