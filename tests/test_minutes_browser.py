"""The minutes panel in a real browser (headless Chromium): generate through HTMX, seek from a
decision to its moment in the recording, edit the Markdown in place."""

import datetime
import shutil

import pytest
from django.core.files import File
from django.test import Client
from django.utils import timezone

from meetings.models import Meeting, Minutes, Recording, Segment, Speaker
from tests.conftest import write_tone_wav
from tests.test_minutes_views import LINES
from tests.test_minutes_views import urlpatterns as minutes_urlpatterns

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
urlpatterns = minutes_urlpatterns

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    pytest.mark.urls(__name__),
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner, member, tmp_path):
    meeting = Meeting.objects.create(
        organization=org,
        title="출시 회의",
        held_at=timezone.make_aware(datetime.datetime(2026, 11, 25, 10)),
        created_by=owner,
    )
    speakers = {
        "S1": Speaker.objects.create(meeting=meeting, label="S1", name="김대표", member=owner),
        "S2": Speaker.objects.create(meeting=meeting, label="S2", name="박팀원", member=member),
    }
    for i, (label, text) in enumerate(LINES):
        Segment.objects.create(
            meeting=meeting,
            position=i,
            speaker=speakers[label],
            start=10.0 * i,
            end=10.0 * i + 8,
            text=text,
            original_text=text,
        )
    wav = write_tone_wav(tmp_path / "meeting.wav", seconds=60)
    with open(wav, "rb") as handle:
        recording = Recording(meeting=meeting, original_name="meeting.wav", size=wav.stat().st_size, sha256="d" * 64)
        recording.file.save("meeting.wav", File(handle), save=False)
    recording.duration = 60.0
    recording.save()
    return meeting


@pytest.fixture
def page(live_server, member, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(member)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required", "--mute-audio"]
        )
        context = browser.new_context(
            bypass_csp=True
        )  # wait_for_function evaluates strings in the page; the CSP itself is tested in test_security.py
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page
        browser.close()
        assert not errors


def test_generate_seek_and_edit(page, live_server, meeting, tmp_path):
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.select_option("select[name=provider]", "offline")
    page.click(".minutes-generate button[type=submit]")
    page.wait_for_selector(".minutes-decisions li")
    assert "Extractive" in page.inner_text(".minutes-badges")
    assert Minutes.objects.filter(meeting=meeting).count() == 1

    page.click(".minutes-decisions [data-seek]")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 20.0) < 0.05
    page.evaluate("document.getElementById('player').pause()")
    page.screenshot(path=str(tmp_path / "minutes.png"), full_page=True)

    page.click(".minutes-edit-button")
    page.fill("#minutes-markdown", "# 출시 회의\n\n- 브라우저에서 고친 회의록\n")
    page.click("#minutes-edit button[type=submit]")
    page.wait_for_selector(".minutes-markdown[data-edited]")
    assert "브라우저에서 고친 회의록" in page.inner_text(".minutes-markdown")
    assert Minutes.objects.get(meeting=meeting).markdown == "# 출시 회의\n\n- 브라우저에서 고친 회의록\n"
