"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright's sync API against
pytest-django's ``live_server``. Playwright's own browser downloads are never used.

Skipped with a reason when Chromium or the ``playwright`` package is missing. Set
``LEADHUB_SCREENSHOTS=/some/dir`` to keep a screenshot of each step there.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN_PASSWORD = "browser-pass-1234"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "browser: runs in a real browser (Chromium + Playwright)")


@pytest.fixture
def browser(live_server, transactional_db, monkeypatch):
    """Chromium, started for one test. Playwright's sync API runs an event loop in this thread
    while it is open, beside which Django's ORM refuses to run unless told it is safe here
    (the ORM calls stay synchronous). Started after the database is set up and stopped before
    it is flushed, so no other test shares that loop."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (the dev extra has it)"
    )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # Django keeps connections per context, and the test ran in Playwright's: close the
        # ones it opened there, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context (its own cookies), which accepts downloads."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """``screenshot("name")`` saves the whole page to $LEADHUB_SCREENSHOTS/name.png, if set."""
    folder = os.environ.get("LEADHUB_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def inline_tasks(settings, tmp_path):
    """Tasks run inside the request that queues them (the live server's thread), and uploaded
    files go to a temporary folder."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_login(page, live_server, transactional_db):
    """Log a superuser in through the admin's login form; returns the user."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("supervisor", "", ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return user
