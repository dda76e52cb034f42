"""The minutes panel in a real browser (headless Chromium): generate through HTMX, seek from a
decision to its moment in the recording, edit the Markdown in place."""

import pytest

from meetings.models import Minutes
from tests.browser import needs_chromium
from tests.conftest import add_tone_recording
from tests.test_minutes_views import make_launch_meeting
from tests.test_minutes_views import urlpatterns as minutes_urlpatterns

urlpatterns = minutes_urlpatterns

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_chromium,
    pytest.mark.urls(__name__),
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner, member, tmp_path):
    meeting = make_launch_meeting(org, owner, member)
    add_tone_recording(meeting, tmp_path, seconds=60)
    return meeting


def test_generate_seek_and_edit(member_page, live_server, meeting, tmp_path):
    page = member_page
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
