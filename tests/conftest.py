"""Fixtures shared by the whole suite: two organizations, and an owner, an admin, a member and an outsider
(made with tests/support/factories.py) with signed-in clients; a media root and an empty cache for each
test; jobs run inline; audio files; an S3 server; headless Chromium for the browser tests. A feature's own
fixtures are in its folder's conftest.py; helpers to import are in tests/support/."""

import pytest

from accounts.models import Role
from tests.support import factories
from tests.support.audio import ffmpeg_convert, write_tone_wav
from tests.support.browser import failing_on_page_errors, launch_chromium, open_page
from tests.support.s3 import moto_server


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def upload_tmp(settings, tmp_path):
    """Uploads stream to their own folder here, so the tests can see that nothing is left behind."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters (uploads, logins) live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def org(db):
    return factories.organization("넥소 팀")


@pytest.fixture
def other_org(db):
    return factories.organization("Other Corp")


@pytest.fixture
def owner(org):
    return factories.user("owner@example.com", org, Role.OWNER, "김대표")


@pytest.fixture
def admin_user(org):
    return factories.user("admin@example.com", org, Role.ADMIN, "이관리")


@pytest.fixture
def member(org):
    return factories.user("member@example.com", org, Role.MEMBER, "박팀원")


@pytest.fixture
def outsider(other_org):
    return factories.user("outsider@other.com", other_org, Role.OWNER, "Outsider")


@pytest.fixture
def make_user():
    """factories.user, for tests that take their fixtures as arguments."""
    return factories.user


def _logged_in(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    from django.test import Client

    return _logged_in(Client, owner)


@pytest.fixture
def member_client(member):
    from django.test import Client

    return _logged_in(Client, member)


@pytest.fixture
def outsider_client(outsider):
    from django.test import Client

    return _logged_in(Client, outsider)


@pytest.fixture
def inline(django_capture_on_commit_callbacks):
    """Runs a call and then the on-commit callbacks it queued, so the jobs it queues run inline (the test
    settings use django-q's sync mode)."""

    def run(callable_, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return callable_(*args, **kwargs)

    return run


# --- audio made inside the tests (tests/support/audio.py) -------------------------------------


@pytest.fixture
def tone_wav(tmp_path):
    return write_tone_wav(tmp_path / "tone.wav")


@pytest.fixture
def tone_mp3(tmp_path, tone_wav):
    return ffmpeg_convert(tone_wav, tmp_path / "tone.mp3", "-b:a", "64k")


# --- services on 127.0.0.1 ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_endpoint():
    """An S3 server for the whole session (tests/support/s3.py); each test makes its own bucket."""
    with moto_server() as endpoint:
        yield endpoint


# --- headless Chromium (tests/support/browser.py) ---------------------------------------------


@pytest.fixture
def async_unsafe(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's ORM calls are still plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium_args():
    """Chromium flags beyond the usual ones; a module that needs more overrides this fixture."""
    return []


@pytest.fixture
def browser(async_unsafe, chromium_args):
    """Headless Chromium for one test; it skips where Playwright or Chromium is missing."""
    with launch_chromium(*chromium_args) as browser:
        yield browser


@pytest.fixture
def member_page(browser, live_server, member):
    """A page signed in as `member`, for the pages with a player: their tests wait on expressions
    evaluated in the page (so the CSP is bypassed), and an uncaught script error fails the test."""
    page = open_page(browser, live_server, member, bypass_csp=True, timeout=30_000)
    with failing_on_page_errors(page):
        yield page
