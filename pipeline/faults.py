"""Whose fault a paper's failure is: its input's, or the environment's.

A broken PDF fails the same way every time, so retrying it wastes a run; a full disk, a file
the process may not read, an I/O error or a database that is locked or gone is the environment's
fault, and the same paper succeeds once that is fixed. Papers store the class
(``papers.failure_class``): the next ``ctrends extract``/``ctrends run`` retries environmental
failures by itself, and a run that leaves any behind is not reported ``succeeded``.
"""

from __future__ import annotations

from sqlalchemy.exc import InterfaceError, OperationalError

INPUT = "input"  # the PDF or its metadata: the same input fails the same way again
ENVIRONMENT = "environment"  # disk, permissions, I/O, database: retried by the next run


def failure_class(exc: BaseException) -> str:
    """:data:`ENVIRONMENT` when ``exc`` or anything in its cause chain is an operating-system or
    database-connection fault, else :data:`INPUT`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError | OperationalError | InterfaceError):
            return ENVIRONMENT
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return INPUT
