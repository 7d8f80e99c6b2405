"""A Prefect API for tests: ``prefect_test_harness`` (a temporary server on a temporary database).

Use it as a module-scoped fixture, one server per test module:
``prefect_api = pytest.fixture(scope="module")(prefect_api_server)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import prefect.settings
from prefect.testing.utilities import prefect_test_harness

# The machine running the suite may be busy; the server's default 30 s start-up is too tight.
STARTUP_TIMEOUT_SECONDS = 180


def prefect_api_server() -> Iterator[str]:
    """Yield the temporary server's API URL while flows in this process report to it."""
    with prefect_test_harness(server_startup_timeout=STARTUP_TIMEOUT_SECONDS):
        yield str(prefect.settings.PREFECT_API_URL.value())
