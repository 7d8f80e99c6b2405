"""Invisible characters in PDF text: dropped from words at parse time, kept off review pages.

A PDF's text layer can carry characters no reader sees. Zero-width ones (U+200B-U+200D, U+2060,
U+FEFF) inside a number (``7\u200b6.1%``) split it or make it unreadable, so a fact vanishes;
a soft hyphen (U+00AD) is invisible unless it ends a line. Bidirectional controls (U+202A-U+202E,
U+2066-U+2069, U+200E/U+200F, U+061C) reorder the text around them on screen: a right-to-left
override in the evidence makes "76.1" display as "1.67" next to the real number. None of them
belongs to a number, a model name or a sentence a rule reads, so parsing drops them all (NFKC is
not applied: it would rewrite "×10⁹" and ligatures in ways the rules were not written for).
Text that reaches a page by another way (metadata titles, rows parsed by an older parser) passes
:func:`without_bidi_controls` in the review UI.
"""

from __future__ import annotations

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
SOFT_HYPHEN = "\u00ad"
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = ZERO_WIDTH + BIDI_CONTROLS
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))
_DROP_BIDI = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def visible_word(text: str) -> str:
    """A word as it reads: invisible characters dropped; a soft hyphen ending it becomes the
    hyphen it shows as (the line-end joining rules then treat it like any hyphen), elsewhere it
    is dropped."""
    text = text.translate(_DROP_INVISIBLE)
    if SOFT_HYPHEN in text:
        ends_line = text.endswith(SOFT_HYPHEN)
        text = text.replace(SOFT_HYPHEN, "") + ("-" if ends_line else "")
    return text


def without_bidi_controls(text: str) -> str:
    """``text`` without characters that reorder what surrounds them on screen (a ``Markup``
    stays ``Markup``: none of them is markup)."""
    return text.translate(_DROP_BIDI)
