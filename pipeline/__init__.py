"""The pipeline: the stages above the extractors and the store, and the ``ctrends`` command.

Importing it names the configured database as the store's default (``db`` never imports the
pipeline's configuration itself; see :func:`db.session.use_default_url`).
"""

from db.session import use_default_url
from pipeline.config import get_settings


def _default_database_url() -> str:
    """The configured database; the default SQLite file's data directory is created here (only
    that one: a mistyped explicit URL is an error, not a new empty database)."""
    settings = get_settings()
    if "database_url" not in settings.model_fields_set:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.database_url


use_default_url(_default_database_url)
