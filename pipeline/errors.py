"""Errors that carry a message meant for the user: the CLI prints them in one line, no traceback."""


class UserError(Exception):
    """Bad input or an unavailable resource that the user can act on."""


class SourceUnavailable(UserError):
    """A source (arXiv, a directory) cannot be reached at all; nothing was ingested from it."""
