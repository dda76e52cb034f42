"""Headless Chromium for the browser tests: where it is, how it starts, and pages signed in to the live
server. The `browser` and `member_page` fixtures in conftest.py build on these.

Each test launches its own Chromium: Playwright's sync API keeps an event loop running in the test
thread for as long as it is started, so a browser kept for the whole session would turn the ORM calls
of every later test into SynchronousOnlyOperation errors."""

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.tools import REQUIRED, missing_tool

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The meeting pages' players start without a click, and nothing sounds on the machine running the tests.
PLAYBACK_ARGS = ["--autoplay-policy=no-user-gesture-required", "--mute-audio"]
# A microphone that records a generated tone; the page still needs open_page(..., microphone=True).
FAKE_MICROPHONE_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

# For modules where every test drives the browser: they skip before any fixture is built.
# (Where tools are required, the tests run and fail in launch_chromium instead.)
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists() and not REQUIRED, reason="chromium is not installed")


@contextmanager
def launch_chromium(*extra_args):
    """Headless Chromium, closed afterwards; the test skips where Playwright or Chromium is missing."""
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        missing_tool("Playwright is not installed (requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        missing_tool("Debian chromium is not installed (.ci/run installs it)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *PLAYBACK_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(context, live_server, user):
    """Gives a browser context the session cookie of `user` on the live server."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])


def open_page(browser, live_server, user=None, *, bypass_csp=False, microphone=False, timeout=20_000):
    """A page in a fresh browser context, signed in as `user` when one is given.

    bypass_csp: for tests whose wait_for_function evaluates strings in the page, which the CSP forbids;
    the CSP itself is tested in test_security.py."""
    context = browser.new_context(bypass_csp=bypass_csp)
    if microphone:
        context.grant_permissions(["microphone"], origin=live_server.url)
    if user is not None:
        sign_in(context, live_server, user)
    page = context.new_page()
    page.set_default_timeout(timeout)
    return page


@contextmanager
def failing_on_page_errors(page):
    """Fails the test when a script on the page throws an error nothing catches."""
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors
