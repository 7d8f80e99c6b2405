"""Errors that carry a message meant for the user: the CLI prints them in one line, no traceback."""


class UserError(Exception):
    """Bad input or an unavailable resource that the user can act on."""


class SourceUnavailable(UserError):
    """A source (arXiv, a directory) cannot be reached at all; nothing was ingested from it."""


def one_line(exc: BaseException) -> str:
    """An error's own message in one line; for a database error, the driver's message without
    the SQL statement and parameters SQLAlchemy appends (they can hold a whole PDF's text)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]
