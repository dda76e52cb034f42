"""Record in the browser: Chromium's fake microphone records about two seconds on the meeting page,
the recording goes up through the upload widget, and the meeting gets its recording and a queued job."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from tests.support.browser import FAKE_MICROPHONE_ARGS, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium_args():
    return FAKE_MICROPHONE_ARGS


def test_record_stop_and_upload(browser, live_server, org, owner, media_root, monkeypatch):
    from django_q.conf import Conf

    from meetings.models import Job, Recording
    from meetings.recordings.media import probe

    monkeypatch.setattr(Conf, "SYNC", False)  # the job stays queued: no worker runs in this test
    meeting = services.create_meeting(org, owner, title="브라우저 녹음", held_at=timezone.now())
    page = open_page(browser, live_server, owner, microphone=True)
    response = page.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
    assert "microphone=(self)" in response.headers["permissions-policy"]

    start, stop = page.locator(".recorder-start"), page.locator(".recorder-stop")
    timer = page.locator(".recorder-timer")
    start.click()
    stop.wait_for(state="visible")
    assert start.is_hidden() and page.locator("#upload-file").is_disabled()
    page.wait_for_timeout(2300)
    assert timer.inner_text() in ("0:02", "0:03")
    stop.click()

    # The upload widget takes over: the page reloads with the queued job in the status panel.
    page.wait_for_selector("#job-status[data-state=queued]")
    assert page.locator(".recorder-start").count() == 0
    job = Job.objects.get(meeting=meeting)
    assert job.state == "queued"
    recording = Recording.objects.get(meeting=meeting)
    assert recording.original_name.startswith("recording-") and recording.original_name.endswith(".webm")
    assert recording.content_type.startswith("audio/webm")
    info = probe(Path(recording.file.path))
    assert 1.5 < info.duration < 4.0


def test_a_meeting_with_a_recording_has_no_recorder_but_allows_voice_questions(owner_client, org, owner, tone_wav):
    meeting = services.create_meeting(org, owner, title="녹음 있음", held_at=timezone.now())
    with open(tone_wav, "rb") as handle:
        owner_client.post(reverse("meetings:upload", args=[meeting.pk]), {"file": handle})
    response = owner_client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert b"recorder-start" not in response.content
    assert "microphone=(self)" in response["Permissions-Policy"]
