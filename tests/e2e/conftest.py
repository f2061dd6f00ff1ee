"""Browser fixtures for the end-to-end tests (Debian's Chromium, no download)."""

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Keep Chromium's own phone-home traffic out of the request log.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def screenshot_dir(settings):
    path = settings.VAR_DIR / "e2e"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser(live_server, personas, work_teams):
    """Chromium on a seeded county.

    Depends on the data fixtures so every row exists before Playwright's event
    loop starts, and the browser is gone before the database is flushed.
    """
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
