"""Playwright driving Debian's Chromium (headless) against pytest-django's live server.

`playwright install` cannot download browsers here, so the tests use the system
Chromium; when it is missing they fail with a message saying how to install it.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.utils.translation import gettext, override

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAPTOP = {"width": 1366, "height": 850}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install it (apt-get install chromium chromium-driver) "
            "or set CHROMIUM_PATH; browser tests are never skipped.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests and fixtures make around it are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def t(language: str, text: str, **params) -> str:
    """The catalogue's translation of an English UI text, filled in the way the app fills it.

    `text` is the msgid: for a `{% blocktranslate %}` with variables that is the text with
    `%(name)s` placeholders, e.g. `t("id", "%(load)s of %(capacity)s", load=1, capacity=3)`.
    """
    with override(language):
        return gettext(text) % params if params else gettext(text)


class Visit:
    """One browser context (a person at a screen) with helpers for the journeys."""

    def __init__(self, browser, base_url: str, viewport: dict, locale: str = "en"):
        self.context = browser.new_context(viewport=viewport, locale=locale)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.console_errors.append(f"{message.text} @ {message.location}") if message.type == "error" else None
            ),
        )

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str, password: str) -> None:
        self.go("/login/")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        self.page.locator("#id_password").press("Enter")
        self.page.wait_for_load_state()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def visit(browser, live_server):
    visits: list[Visit] = []

    def open_visit(viewport: dict = LAPTOP, locale: str = "en") -> Visit:
        created = Visit(browser, live_server.url, viewport, locale)
        visits.append(created)
        return created

    yield open_visit
    for created in visits:
        created.context.close()
