"""The minutes panel in a real browser (headless Chromium): generate through HTMX, seek from a
decision to its moment in the recording, edit the Markdown (a line that cannot be read is pointed out and
nothing typed is lost; the saved edit is a new version that keeps the seek links)."""

import pytest

from meetings.models import Minutes
from tests.support import factories
from tests.support.browser import needs_chromium
from tests.support.minutes import make_launch_meeting

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner, member):
    meeting = make_launch_meeting(org, owner, member)
    factories.recording(meeting, 60)
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
    markdown = page.input_value("#minutes-markdown")
    assert "- 출시는 다음 달 3일로 하기로 결정했습니다. — 김대표 (00:20)" in markdown
    broken = markdown.replace("## 주요 내용\n", "## 주요 내용\n\n브라우저에서 적은 메모\n", 1)
    page.fill("#minutes-markdown", broken)
    page.click("#minutes-edit button[type=submit]")
    page.wait_for_selector("#minutes-edit-error")
    line = broken.split("\n").index("브라우저에서 적은 메모") + 1
    assert f"Line {line}:" in page.inner_text("#minutes-edit-error")
    assert page.input_value("#minutes-markdown") == broken  # nothing typed is lost
    selected = page.evaluate(
        "(() => { const a = document.getElementById('minutes-markdown');"
        " return a.value.slice(a.selectionStart, a.selectionEnd); })()"
    )
    assert selected == "브라우저에서 적은 메모"  # the cursor is on the line at fault
    assert Minutes.objects.filter(meeting=meeting).count() == 1

    fixed = markdown.replace("출시는 다음 달 3일로 하기로 결정했습니다.", "출시일은 12월 3일로 확정")
    page.fill("#minutes-markdown", fixed)
    page.click("#minutes-edit button[type=submit]")
    page.wait_for_selector(".minutes-decisions li:has-text('출시일은 12월 3일로 확정')")
    assert "Edited" in page.inner_text(".minutes-badges")
    assert Minutes.objects.filter(meeting=meeting).count() == 2  # the generated version is kept
    page.click(".minutes-decisions [data-seek]")  # the edited decision still plays its moment
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 20.0) < 0.05
