"""The pipeline: the stages above the extractors and the store, and the ``ctrends`` command.

Importing it names the configured database as the store's default (``db`` never imports the
pipeline's configuration itself; see :func:`db.session.use_default_url`).
"""

from db.session import use_default_url
from pipeline.config import get_settings

use_default_url(lambda: get_settings().database_url)
