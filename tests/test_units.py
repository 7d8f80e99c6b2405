"""Numbers and durations as papers print them."""

from __future__ import annotations

import pytest

from extractors.units import (
    duration_seconds,
    parse_duration,
    parse_duration_sum,
    parse_number,
    scale_factor,
)

DAY = 86400.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("384", 384.0),
        ("2,048", 2048.0),
        ("22,855,952", 22855952.0),
        ("3.5", 3.5),
        ("384M", 384e6),
        ("1.5B", 1.5e9),
        ("137B", 137e9),
        ("4.1G", 4.1e9),
        ("6.5 × 10^7", 6.5e7),
        ("6.4e19", 6.4e19),
        ("eight", 8.0),
        ("Twelve", 12.0),
        ("twenty-four", 24.0),
        ("two hundred", 200.0),
        ("one and a half", 1.5),
        ("a", 1.0),
        ("single", 1.0),
    ],
)
def test_parse_number(text: str, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "GPU", "ResNet-50", "3.5.1", "x10"])
def test_parse_number_rejects_what_is_not_a_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("word", "factor"),
    [("million", 1e6), ("Billion", 1e9), ("M", 1e6), ("G", 1e9), ("K", 1e3), ("10^9", 1e9)],
)
def test_scale_factor(word: str, factor: float) -> None:
    assert scale_factor(word) == factor


def test_scale_factor_unknown_word() -> None:
    assert scale_factor("parameters") is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3.5 days", 3.5 * DAY),
        ("about two weeks", 14 * DAY),
        ("ten days", 10 * DAY),
        ("40 hours", 40 * 3600.0),
        ("1 week", 7 * DAY),
        ("approximately one day", DAY),
        ("roughly 20 hours", 20 * 3600.0),
        ("4d", 4 * DAY),
        ("12h", 12 * 3600.0),
        ("76 minutes", 76 * 60.0),
        ("one and a half days", 1.5 * DAY),
        # ranges keep the upper end (Thompson et al.: AlexNet "between five and six days" = 6 days)
        ("between five and six days", 6 * DAY),
        ("2–3 weeks", 21 * DAY),
        ("1 or 2 days", 2 * DAY),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["300 epochs", "100k steps", "days", "a few days"])
def test_parse_duration_rejects_non_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_duration_seconds_unknown_unit() -> None:
    assert duration_seconds(3, "fortnights") is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("27hrs 40mins", 27 * 3600 + 40 * 60),
        ("6 hours and 12 sec", 6 * 3600 + 12),
        ("24 hours 21 min", 24 * 3600 + 21 * 60),
        ("about two weeks", 14 * 86400),  # one part: parse_duration's reading
        ("120h", 120 * 3600),
    ],
)
def test_parse_duration_sum(text: str, seconds: float) -> None:
    assert parse_duration_sum(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["10 GPU days", "9.13E+20", "3 days of 8 GPUs", "total"])
def test_parse_duration_sum_rejects_what_is_not_a_sum_of_durations(text: str) -> None:
    assert parse_duration_sum(text) is None
