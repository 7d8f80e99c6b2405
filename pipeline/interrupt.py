"""Ctrl+C as a request the long commands honour at safe points, not an exception raised anywhere.

Python's own SIGINT handler raises ``KeyboardInterrupt`` wherever the main thread happens to be.
Inside a garbage-collection callback (logging's weak-reference cleanup, a ``__del__``) the
exception is only printed ("Exception ignored in ...") and dropped. Seen under load in
``tests/test_run_process.py``: the interrupt landed in ``logging._releaseLock`` from such a
callback, so logging's module lock stayed held, the run ignored the Ctrl+C, finished extracting
and then deadlocked when Prefect's event-loop thread next logged (py-spy: the main thread waiting
on that thread, that thread waiting on the lock).

So under :func:`honoured_sigint` a first SIGINT only sets a flag, and the stages raise
``KeyboardInterrupt`` themselves where stopping is safe: between items of every progress bar
(after a paper is stored, before the next fit), while waiting for a parsing child, in retry and
lock waits (:func:`sleep`). A second Ctrl+C raises at once, wherever the main thread is: the
escape hatch when a stage is stuck in something that never reaches a safe point.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

POLL_SECONDS = 0.25  # how long a wait may go without looking at the flag

# A plain flag, not a threading.Event: the handler runs in the main thread between two bytecodes
# of whatever it was doing, possibly while that code holds the Event's lock.
_requested = False


def requested() -> bool:
    """True once Ctrl+C was pressed under :func:`honoured_sigint` (and not yet honoured)."""
    return _requested


def check() -> None:
    """Raise ``KeyboardInterrupt`` if Ctrl+C was pressed; call it only where stopping is safe."""
    if _requested:
        raise KeyboardInterrupt("interrupted")


def sleep(seconds: float) -> None:
    """``time.sleep`` that ends early, by :func:`check`, when Ctrl+C is pressed."""
    deadline = time.monotonic() + seconds
    while True:
        check()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, POLL_SECONDS))


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _requested
    if _requested:  # the second Ctrl+C: at once, as Python would
        signal.default_int_handler(signum, frame)
    _requested = True


@contextmanager
def honoured_sigint() -> Iterator[None]:
    """Inside the block, SIGINT is a request the stages honour at their next safe point.

    Outside the main thread (where Python delivers no signals) the block changes nothing.
    """
    global _requested
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    _requested = False
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _requested = False
