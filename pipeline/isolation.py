"""Run untrusted work (parsing a PDF from the internet) in a child process with limits.

A hostile or broken PDF can make a parser loop, recurse until the interpreter dies, or eat all
memory. Each item therefore runs in a forked child with an address-space limit and a wall-clock
timeout; a child that overruns is killed and its item reported as failed with the reason, and
the run goes on. Up to ``workers`` children run at once, which is also how a run uses every core.
"""

from __future__ import annotations

import ctypes
import faulthandler
import logging
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from pipeline import interrupt
from pipeline.faults import INPUT, failure_class

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass
class Outcome(Generic[T, R]):
    item: T
    result: R | None = None
    error: str | None = None
    failure_class: str = INPUT  # of an error: the item's fault, or the environment's


def _current_address_space() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this child when its parent dies (a killed run leaves no workers,
    no temporary Prefect server)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: orphans finish their one item and exit
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Parsers wrap low-level errors in their own; look down the cause/context chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _child(conn: Connection, fn: Callable[[Any], Any], item: Any, memory_bytes: int | None) -> None:
    from db.session import forget_engines_after_fork

    die_with_parent()
    # A terminal's Ctrl+C reaches the whole process group: the parent decides (it stops the run
    # and kills its children); a child must not report its paper as failed "KeyboardInterrupt".
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    forget_engines_after_fork()
    # An abort inside the PDF library is an outcome the parent reports, not a crash to dump
    # (pytest and PYTHONFAULTHANDLER turn the dump on; it would print every thread's stack).
    faulthandler.disable()
    try:
        if memory_bytes:
            limit = _current_address_space() + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        conn.send(("ok", fn(item)))
    except BaseException as exc:  # report everything: the parent decides what is fatal
        conn.send(("error", (_reason(exc, memory_bytes), failure_class(exc))))
    finally:
        conn.close()


def _reason(exc: BaseException, memory_bytes: int | None) -> str:
    detail = str(exc) or traceback.format_exc(limit=1).strip().splitlines()[-1]
    if memory_bytes and _caused_by(exc, MemoryError):
        return f"exceeded the memory limit of {memory_bytes // 2**20} MiB ({detail})"
    if _caused_by(exc, RecursionError):
        return f"too deeply nested (recursion limit reached; {detail})"
    return f"{type(exc).__name__}: {detail}"


def map_isolated(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    timeout: float,
    memory_bytes: int | None,
) -> Iterator[Outcome[T, R]]:
    """Apply ``fn`` to each item in its own child process; yield outcomes as children finish."""
    ctx = multiprocessing.get_context("fork")
    pending = iter(items)
    running: dict[Connection, tuple[T, multiprocessing.process.BaseProcess, float]] = {}
    clock = time.monotonic

    def start_next() -> bool:
        try:
            item = next(pending)
        except StopIteration:
            return False
        parent_end, child_end = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(child_end, fn, item, memory_bytes), daemon=True)
        proc.start()
        child_end.close()
        running[parent_end] = (item, proc, clock() + timeout)
        return True

    try:
        while len(running) < max(1, workers) and start_next():
            pass
        while running:
            interrupt.check()  # a pending Ctrl+C: the children in hand are killed below
            nearest = min(deadline for _, _, deadline in running.values())
            ready = wait(
                list(running), timeout=min(max(0.0, nearest - clock()), interrupt.POLL_SECONDS)
            )
            for conn in list(running):
                item, proc, deadline = running[conn]
                if conn in ready:
                    outcome = _collect(conn, proc, item, memory_bytes)
                elif clock() >= deadline:
                    proc.kill()
                    outcome = Outcome(item, error=f"timed out after {timeout:g} s (time limit)")
                else:
                    continue
                proc.join()
                conn.close()
                del running[conn]
                yield outcome
                start_next()
    finally:  # interrupted (Ctrl+C) or abandoned: the items in hand are not finished, not stored
        for conn, (_, proc, _) in running.items():
            proc.kill()
            proc.join()
            conn.close()


def _collect(
    conn: Connection, proc: multiprocessing.process.BaseProcess, item: T, memory_bytes: int | None
) -> Outcome:
    try:
        status, payload = conn.recv()
    except (EOFError, OSError):
        proc.join()
        code = proc.exitcode
        if memory_bytes and code == -signal.SIGABRT:
            # C++ code (PDFium) aborts when an allocation fails, where Python would raise.
            return Outcome(
                item,
                error=f"exceeded the memory limit of {memory_bytes // 2**20} MiB "
                f"(the PDF library aborted: exit code {code})",
            )
        hint = " (killed: likely out of memory)" if code in (-9, 137) else ""
        return Outcome(item, error=f"worker died with exit code {code}{hint}")
    if status == "ok":
        return Outcome(item, result=payload)
    reason, fault = payload
    return Outcome(item, error=reason, failure_class=fault)
