"""Numbers as papers print them: digits, written words, scale words and suffixes, durations.

Papers say the same quantity many ways ("384M", "3.8 billion", "13.6 · 10^6", "two weeks",
"4d"); every extractor that turns a printed number into a normalized one goes through here, so
the conversions are defined once and tested once.
"""

from __future__ import annotations

import itertools
import math
import re

# Written numbers that papers use for counts and durations ("eight V100 GPUs", "two weeks").
WORD_NUMBERS: dict[str, float] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
    "half": 0.5,
}

# Multipliers for scale words and suffixes. "G" is giga (GFLOPs), "B" billion; "K" thousand.
SCALES: dict[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mil": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "g": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}

# Seconds per duration unit, singular and plural spellings and the abbreviations papers use.
SECONDS: dict[str, float] = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "week": 7 * 86400,
    "weeks": 7 * 86400,
    "month": 30 * 86400,
    "months": 30 * 86400,
}

_DIGITS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$|^\.\d+$")
_DIGITS_SUFFIX = re.compile(r"^(\d+(?:\.\d+)?)\s*([kKmMbBgGtT])$")
_EXPONENT = re.compile(
    r"^(?P<mant>\d+(?:\.\d+)?)\s*(?:[x×·*]|\\times)?\s*(?:10\s*(?:\^|\*\*)\s*\{?(?P<exp>[-−]?\d+)\}?)$"
)
_E_NOTATION = re.compile(r"^(\d+(?:\.\d+)?)[eE]([+-]?\d+)$")


def parse_number(text: str) -> float | None:
    """The value of a printed number, or None when ``text`` is not one.

    Accepts "2,048", "3.5", "384M", "1.5B", "6.5 × 10^7", "6.4e19", "eight", "twenty-four",
    "a" ("a single GPU"). Scale words ("million") are handled by :func:`scale_factor`. A number
    beyond a float's range ("1e400", 400 digits) is none: it would be stored as Infinity.
    """
    s = text.strip().replace("\u2212", "-")
    if not s:
        return None
    if _DIGITS.match(s):
        value = float(s.replace(",", ""))
    elif m := _DIGITS_SUFFIX.match(s):
        value = float(m.group(1)) * SCALES[m.group(2).lower()]
    elif m := _EXPONENT.match(s):
        value = _times_ten_to(m.group("mant"), m.group("exp"))
    elif m := _E_NOTATION.match(s):
        value = _times_ten_to(m.group(1), m.group(2))
    else:
        return parse_written_number(s)
    return value if math.isfinite(value) else None


def _times_ten_to(mantissa: str, exponent: str) -> float:
    """``mantissa`` × 10^``exponent`` as float's parser reads it: never a big integer power (10
    to a printed exponent of 999999999 would take minutes), inf when out of range."""
    return float(f"{mantissa}e{exponent.replace('−', '-')}")


def parse_written_number(text: str) -> float | None:
    """'eight' -> 8, 'twenty-four' -> 24, 'two hundred' -> 200, 'one and a half' -> 1.5."""
    words = re.split(r"[\s-]+", text.strip().lower().replace("and a half", "half"))
    if not words or any(w not in WORD_NUMBERS for w in words):
        return None
    total = 0.0
    for w in words:
        total = total * 100 if w == "hundred" and total else total + WORD_NUMBERS[w]
    return total


def scale_factor(word: str) -> float | None:
    """The multiplier of a scale word or suffix: 'million' -> 1e6, 'G' -> 1e9, '10^9' -> 1e9."""
    w = word.strip().lower().rstrip(".")
    if w in SCALES:
        return SCALES[w]
    m = re.match(r"^(?:[x×·*]\s*)?10\s*(?:\^|\*\*)?\s*\{?([-−]?\d+)\}?$", w)
    if m:
        factor = _times_ten_to("1", m.group(1))
        return factor if math.isfinite(factor) else None
    return None


def duration_seconds(amount: float, unit: str) -> float | None:
    """Seconds in ``amount`` ``unit`` ("3.5", "days" -> 302400); None for an unknown unit."""
    per_unit = SECONDS.get(unit.strip().lower().rstrip("."))
    return None if per_unit is None else amount * per_unit


_RANGE = re.compile(r"^(?P<low>.+?)\s*(?:[-–]|\bor\b|\bto\b|\band\b)\s*(?P<high>[^-–]+)$")


def parse_duration(text: str) -> float | None:
    """Seconds in a printed duration: '3.5 days', 'about two weeks', '40 hours', '4d', '1 week'.

    Hedges ("about", "roughly", "approximately", "around", "~") are dropped: curated datasets take
    the stated figure. A range ("2-3 weeks", "five to six days") gives its upper end, as Thompson
    et al. recorded AlexNet's "between five and six days" as 6 days.
    """
    s = re.sub(r"[~∼≈]", " ", text.strip().lower())
    s = re.sub(
        r"\b(?:about|roughly|approximately|approx\.?|around|nearly|almost|over|under|between)\b",
        " ",
        s,
    )
    s = re.sub(r"\s+", " ", s).strip()
    m = re.match(r"^(?P<num>.+?)\s*(?P<unit>[a-z]+\.?)$", s)
    if not m:
        return None
    number = m.group("num").strip()
    if (r := _RANGE.match(number)) and parse_number(r.group("low")) is not None:
        number = r.group("high")
    amount = parse_number(number)
    if amount is None:
        return None
    return duration_seconds(amount, m.group("unit"))


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+\.?)")
_DURATION_JOINS = re.compile(r"^(?:\s|,|\band\b)*$")


def parse_duration_sum(text: str) -> float | None:
    """Seconds in a duration written as a sum of parts ("24 hours 21 min", "27hrs 40mins",
    "6 hours and 12 sec"), as curated datasets write them; a single part is
    :func:`parse_duration`'s. None when any part is not a duration ("10 GPU days")."""
    s = text.strip().lower()
    if (single := parse_duration(s)) is not None:
        return single
    parts = list(_DURATION_PART.finditer(s))
    gaps = [s[a.end() : b.start()] for a, b in itertools.pairwise(parts)]
    if len(parts) < 2 or parts[0].start() or parts[-1].end() != len(s):
        return None
    if not all(_DURATION_JOINS.match(gap) for gap in gaps):
        return None
    seconds = [duration_seconds(float(p.group(1)), p.group(2)) for p in parts]
    return None if None in seconds else sum(s for s in seconds if s is not None)
