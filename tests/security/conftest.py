"""Security tests drive Chromium through the same fixtures as tests/e2e."""

from tests.e2e.conftest import browser, page, screenshot_dir  # noqa: F401
