"""Ctrl+C under ``honoured_sigint``: a request honoured at safe points, never lost.

Python's own handler raises wherever the main thread is; inside a garbage-collection callback
that exception is printed and dropped (the run then ignored Ctrl+C and deadlocked on the
logging lock the callback held). These tests send real SIGINTs to this process.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time

import pytest

from pipeline import interrupt
from pipeline.isolation import map_isolated
from pipeline.progress import progress_bar


def _sigint() -> None:
    os.kill(os.getpid(), signal.SIGINT)


class _InterruptedWhileCollected:
    """An object whose finaliser is interrupted by SIGINT, as logging's weakref callback was."""

    def __del__(self) -> None:
        _sigint()
        for _ in range(1000):  # bytecodes for the signal handler to run between
            pass


def _collect_one_interrupted_object() -> None:
    _InterruptedWhileCollected()
    gc.collect()


def test_python_s_own_handler_drops_an_interrupt_that_lands_in_a_finaliser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why the module exists: no KeyboardInterrupt reaches the caller; it is "ignored"."""
    dropped: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(u.exc_type))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    _collect_one_interrupted_object()  # no exception
    assert dropped == [KeyboardInterrupt]


def test_an_interrupt_landing_in_a_finaliser_is_honoured_at_the_next_safe_point() -> None:
    with interrupt.honoured_sigint():
        _collect_one_interrupted_object()
        assert interrupt.requested()
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()


def test_the_first_ctrl_c_waits_for_a_safe_point_the_second_stops_at_once() -> None:
    with interrupt.honoured_sigint():
        _sigint()
        time.sleep(0.01)  # the handler has run: nothing was raised here
        assert interrupt.requested()
        with pytest.raises(KeyboardInterrupt):
            _sigint()
            time.sleep(1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert not interrupt.requested()


def test_outside_the_block_nothing_is_deferred() -> None:
    with pytest.raises(KeyboardInterrupt):
        _sigint()
        time.sleep(1)
    interrupt.check()  # no request is left over


def test_a_progress_bar_stops_between_items() -> None:
    done: list[int] = []
    with (
        interrupt.honoured_sigint(),
        pytest.raises(KeyboardInterrupt),
        progress_bar("items", 5, enabled=False) as advance,
    ):
        for i in range(5):
            done.append(i)
            if i == 1:
                _sigint()
            advance(str(i))
    assert done == [0, 1], "the item in hand finished, the next never started"


def test_sleep_ends_early_on_ctrl_c() -> None:
    timer = threading.Timer(0.2, _sigint)
    started = time.monotonic()
    with interrupt.honoured_sigint(), pytest.raises(KeyboardInterrupt):
        timer.start()
        interrupt.sleep(60)
    assert time.monotonic() - started < 30


def _slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_waiting_for_a_parsing_child_honours_ctrl_c_and_kills_the_child() -> None:
    timer = threading.Timer(0.5, _sigint)
    outcomes = []
    started = time.monotonic()
    with interrupt.honoured_sigint(), pytest.raises(KeyboardInterrupt):
        timer.start()
        for outcome in map_isolated(_slow, [60.0, 60.0], workers=1, timeout=120, memory_bytes=None):
            outcomes.append(outcome)
    assert outcomes == [], "no item was reported finished"
    assert time.monotonic() - started < 30, "the 60 s child was waited for"


def test_waiting_in_short_polls_does_not_shorten_a_child_s_time_limit() -> None:
    """The parse wait looks at the flag every 0.25 s; the time limit stays the one given."""
    [outcome] = map_isolated(_slow, [1.0], workers=1, timeout=30, memory_bytes=None)
    assert (outcome.result, outcome.error) == (1.0, None)
