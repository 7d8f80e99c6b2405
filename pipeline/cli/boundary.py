"""The command line's one error boundary: what a user can act on ends in one line, no traceback.

Every command runs inside :func:`guarded`. Exceptions that say something about the user's input
or environment are translated here, once, instead of in each command: a database without the
schema ("run ctrends db upgrade"), an unusable database URL, a bad migration revision, a number
out of the database's range, operating-system faults (a read-only or full disk, a missing
folder) and Click's usage errors (a bad option value: one line, not a framed box). Anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

import typer
from alembic.util.exc import CommandError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DataError, SQLAlchemyError

from pipeline.errors import UserError, one_line

try:  # Typer 0.2x carries its own copy of Click, whose exceptions are the ones raised
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer on the real Click
    from click import exceptions as click_errors  # type: ignore[no-redef]

EXIT_USER_ERROR = 2
# How SQLite and PostgreSQL say a table (or column) the current schema has is not there.
MISSING_SCHEMA = ("no such table", "no such column", "does not exist")


def guarded(command: Callable[[], object]) -> None:
    """Run ``command`` (a Click/Typer app called with ``standalone_mode=False``, so its errors
    reach this boundary); a translatable error is printed as one line and exits with code 2."""
    try:
        code = command()
    except click_errors.NoArgsIsHelpError as exc:
        exc.show()  # bare `ctrends` or `ctrends db`: the help, as Click prints it
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:
        message = user_message(exc)
        if message is None:
            raise
        _fail(message)
    if isinstance(code, int) and code:
        sys.exit(code)  # typer.Exit(1) and friends, returned in non-standalone mode


def user_message(exc: BaseException) -> str | None:
    """The one-line message for ``exc``, or None when it is not the user's to act on."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, click_errors.UsageError):
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        return f"{exc.format_message()}{where}"
    if isinstance(exc, CommandError):
        return f"migrations: {one_line(exc)}"
    if isinstance(exc, SQLAlchemyError):
        return _database_message(exc)
    if isinstance(exc, OverflowError):
        return f"a number is too large for the database ({one_line(exc)})"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or one_line(exc)}{where}"
    return None


def _database_message(exc: SQLAlchemyError) -> str:
    reason = one_line(exc)
    if any(marker in reason.lower() for marker in MISSING_SCHEMA):
        return f"the database has no or an older schema ({reason}): run `ctrends db upgrade`"
    if isinstance(exc, DataError):
        return f"the database refused a value: {reason}"
    if "unable to open database file" in reason:
        reason += " (is its folder missing, read-only or full?)"
    return f"database {redacted_url()}: {reason}"


def redacted_url() -> str:
    """The configured database URL without its password (or a placeholder if it is unreadable)."""
    try:
        from sqlalchemy.engine import make_url

        from pipeline.config import get_settings

        return make_url(get_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # the URL itself may be what is wrong
        return "(CTRENDS_DATABASE_URL)"


def _fail(message: str) -> NoReturn:
    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(message)}", highlight=False
    )
    sys.exit(EXIT_USER_ERROR)
