"""Words -> visual lines in reading order, for one- and two-column pages.

PDFium words (:mod:`extractors.parse.pdfium_words`) come with boxes but no reading order a
sentence regex can use: on a two-column page a naive top-to-bottom sort interleaves the
columns. We find the gutter (an x position near the middle that almost no word crosses), split
rows there, and read each band between full-width lines (titles, wide tables, wide captions)
left column first, then right.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from extractors.parse.document import BBox, Line, Word

_GUTTER_SEARCH = (0.35, 0.65)  # fraction of the page width where a column gutter may lie
_GUTTER_MAX_CROSSING = 0.01  # at most this share of words may cross a real gutter
_GUTTER_MIN_SIDE = 0.2  # each column holds at least this share of the words
_MIN_ROW_OVERLAP = 0.4  # vertical overlap (of the smaller word) to share a row
_SAME_HEIGHT = 0.05  # points: word heights closer than this are one font size


def find_gutter(words: Sequence[Word], width: float) -> float | None:
    """The x of the column gutter of a two-column page, or None for a one-column page."""
    if len(words) < 40:
        return None
    lo, hi = int(width * _GUTTER_SEARCH[0]), int(width * _GUTTER_SEARCH[1])
    crossing_at = [0] * (hi - lo + 2)  # difference array: words crossing each integer x
    for w in words:
        first, last = max(lo, int(w.bbox[0]) + 1), min(hi, math.ceil(w.bbox[2]) - 1)
        if first <= last:
            crossing_at[first - lo] += 1
            crossing_at[last - lo + 1] -= 1
    best: tuple[int, float] | None = None
    running = 0
    for offset in range(hi - lo + 1):
        running += crossing_at[offset]
        key = (running, abs(lo + offset - width / 2))
        if best is None or key < (best[0], abs(best[1] - width / 2)):
            best = (running, float(lo + offset))
    assert best is not None
    crossing, x = best
    left = sum(1 for w in words if w.bbox[2] <= x)
    right = sum(1 for w in words if w.bbox[0] >= x)
    n = len(words)
    if crossing > _GUTTER_MAX_CROSSING * n:
        return None
    if min(left, right) < _GUTTER_MIN_SIDE * n:
        return None
    # Centre the gutter in the empty band around x, so words touching it fall on one side.
    left_edge = max((w.bbox[2] for w in words if w.bbox[2] <= x), default=x)
    right_edge = min((w.bbox[0] for w in words if w.bbox[0] >= x), default=x)
    return (left_edge + right_edge) / 2


def group_rows(words: Iterable[Word]) -> list[list[Word]]:
    """Cluster words into rows by vertical overlap; super/subscripts join their row."""
    rows: list[tuple[list[Word], list[float]]] = []  # words, [top, bottom] of the row's body
    for word in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        top, bottom = word.bbox[1], word.bbox[3]
        height = max(bottom - top, 0.1)
        best, best_overlap = None, 0.0
        for row in rows[-6:]:
            r_top, r_bottom = row[1]
            overlap = min(bottom, r_bottom) - max(top, r_top)
            ratio = overlap / min(height, max(r_bottom - r_top, 0.1))
            if ratio > best_overlap:
                best, best_overlap = row, ratio
        if best is not None and best_overlap >= _MIN_ROW_OVERLAP:
            best[0].append(word)
            # The row's extent follows a larger word (a bigger font), not rounding noise.
            if height > best[1][1] - best[1][0] + _SAME_HEIGHT:
                best[1][0], best[1][1] = top, bottom
        else:
            rows.append(([word], [top, bottom]))
    return [sorted(ws, key=lambda w: w.bbox[0]) for ws, _ in rows]


def make_line(words: Sequence[Word]) -> Line:
    ordered = sorted(words, key=lambda w: w.bbox[0])
    return Line(text=" ".join(w.text for w in ordered), bbox=union_box(ordered), words=ordered)


def union_box(words: Sequence[Word]) -> BBox:
    return (
        min(w.bbox[0] for w in words),
        min(w.bbox[1] for w in words),
        max(w.bbox[2] for w in words),
        max(w.bbox[3] for w in words),
    )


def reading_order_lines(words: Sequence[Word], gutter: float | None) -> list[Line]:
    """Lines of a page in the order a reader takes them (``gutter`` from :func:`find_gutter`)."""
    if gutter is None:
        return [make_line(row) for row in group_rows(words)]
    # Group rows within each column: a left-column line half a line lower than a right-column
    # one would otherwise bridge two of its rows into one.
    crossing = [w for w in words if w.bbox[0] < gutter < w.bbox[2]]
    full_rows = group_rows(crossing)
    sides: list[tuple[str, list[Word]]] = [("X", row) for row in full_rows]
    for side, part in (
        ("L", [w for w in words if w.bbox[2] <= gutter]),
        ("R", [w for w in words if w.bbox[0] >= gutter]),
    ):
        for row in group_rows(part):
            host = next((r for r in full_rows if _same_row(r, row)), None)
            if host is not None:  # the rest of a full-width line
                host.extend(row)
            else:
                sides.append((side, row))
    lines = sorted(
        ((side, make_line(row)) for side, row in _join_across(sides)),
        key=lambda item: item[1].bbox[1],
    )
    ordered: list[Line] = []
    band: list[tuple[str, Line]] = []
    for side, line in lines:
        if side == "X":
            ordered.extend(_band_order(band))
            band = []
            ordered.append(line)
        else:
            band.append((side, line))
    ordered.extend(_band_order(band))
    return ordered


def _join_across(sides: list[tuple[str, list[Word]]]) -> list[tuple[str, list[Word]]]:
    """A left and a right part separated by no more than a word space are one full-width line
    (a centred title whose words happen to leave the gutter free)."""
    rights = [(row, min(w.bbox[0] for w in row)) for side, row in sides if side == "R"]
    joined: list[tuple[str, list[Word]]] = []
    taken: set[int] = set()
    for side, row in sides:
        if side != "L":
            continue
        last = max(row, key=lambda w: w.bbox[2])
        for right, first_x0 in rights:
            gap = first_x0 - last.bbox[2]
            if gap < 0.8 * last.size and id(right) not in taken and _same_row(row, right):
                taken.add(id(right))
                joined.append(("X", row + right))
                break
        else:
            joined.append((side, row))
    joined += [(s, r) for s, r in sides if s == "X" or (s == "R" and id(r) not in taken)]
    return joined


def _same_row(a: Sequence[Word], b: Sequence[Word]) -> bool:
    top, bottom = max(a[0].bbox[1], b[0].bbox[1]), min(a[0].bbox[3], b[0].bbox[3])
    height = min(a[0].bbox[3] - a[0].bbox[1], b[0].bbox[3] - b[0].bbox[1])
    return bottom - top >= _MIN_ROW_OVERLAP * max(height, 0.1)


def _band_order(band: list[tuple[str, Line]]) -> list[Line]:
    return [line for side, line in band if side == "L"] + [
        line for side, line in band if side == "R"
    ]
