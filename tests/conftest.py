"""Shared fixtures: two organizations, and an owner, an admin, a member and an outsider; audio made
inside the tests; headless Chromium for the browser tests."""

import hashlib
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from accounts.models import Membership, Organization, Role, User
from tests.support.browser import failing_on_page_errors, launch_chromium, open_page
from tests.support.tools import missing_tool


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
    return Organization.objects.create(name="넥소 팀")


@pytest.fixture
def other_org(db):
    return Organization.objects.create(name="Other Corp")


def _user(email, org=None, role=Role.MEMBER, name=""):
    user = User.objects.create_user(email=email, password="pw-Secret-123", name=name)
    if org is not None:
        Membership.objects.create(user=user, organization=org, role=role)
    return user


@pytest.fixture
def owner(org):
    return _user("owner@example.com", org, Role.OWNER, "김대표")


@pytest.fixture
def admin_user(org):
    return _user("admin@example.com", org, Role.ADMIN, "이관리")


@pytest.fixture
def member(org):
    return _user("member@example.com", org, Role.MEMBER, "박팀원")


@pytest.fixture
def outsider(other_org):
    return _user("outsider@other.com", other_org, Role.OWNER, "Outsider")


@pytest.fixture
def make_user():
    return _user


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


# --- audio made inside the tests --------------------------------------------------------------


def write_tone_wav(path, seconds=2.0, rate=16000, freq=440.0):
    """A short real WAV file (a tone with a little noise)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(0)
    samples = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    pcm = (samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return Path(path)


def ffmpeg_convert(source, target, *args):
    if not shutil.which("ffmpeg"):
        missing_tool("ffmpeg is not installed (.ci/run installs it)")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), *args, str(target)], check=True)
    return Path(target)


def espeak_wav(path, text, voice="en", speed=150):
    """Real synthetic speech (espeak-ng), for tests that need words."""
    if not shutil.which("espeak-ng"):
        missing_tool("espeak-ng is not installed (.ci/run installs it)")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return Path(path)


def add_tone_recording(meeting, folder, seconds):
    """Gives `meeting` a real WAV recording, long enough for its page's player to seek in."""
    from django.core.files import File

    from meetings.models import Recording

    wav = write_tone_wav(Path(folder) / "meeting.wav", seconds=seconds)
    recording = Recording(
        meeting=meeting,
        original_name="meeting.wav",
        size=wav.stat().st_size,
        sha256=hashlib.sha256(wav.read_bytes()).hexdigest(),
        duration=float(seconds),
    )
    with open(wav, "rb") as handle:
        recording.file.save("meeting.wav", File(handle), save=False)
    recording.save()
    return recording


@pytest.fixture
def tone_wav(tmp_path):
    return write_tone_wav(tmp_path / "tone.wav")


@pytest.fixture
def tone_mp3(tmp_path, tone_wav):
    return ffmpeg_convert(tone_wav, tmp_path / "tone.mp3", "-b:a", "64k")


# --- headless Chromium (tests/support/browser.py) ------------------------------------------------------


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
