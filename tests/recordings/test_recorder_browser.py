"""Record in the browser: Chromium's fake microphone plays a spoken English phrase (espeak-ng) on the
meeting page for about seven seconds; the level meter moves and the timer counts while it records, the
recording goes up through the upload widget, and the meeting gets its recording, with its true length on
the card and in the player from the start, and a queued job."""

import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.templatetags.meeting_tags import duration as shown_duration
from tests.support.audio import espeak_wav
from tests.support.browser import FAKE_MICROPHONE_ARGS, failing_on_page_errors, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Longer than the few seconds the upload check decodes, so a length read from those alone would show.
RECORD_SECONDS = 7


@pytest.fixture
def chromium_args(tmp_path):
    phrase = espeak_wav(tmp_path / "speech.wav", "Good morning everyone. Let us review the launch plan for next week.")
    return [*FAKE_MICROPHONE_ARGS, f"--use-file-for-fake-audio-capture={phrase}"]


def meter_levels_while(page, meter, condition, timeout=30):
    """The meter's values, read until `condition()` holds (the levels it showed meanwhile)."""
    levels = []
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out; the meter showed {levels}"
        levels.append(float(meter.get_attribute("aria-valuenow") or 0))
        page.wait_for_timeout(100)
    return levels


def evaluated_when(page, expression, condition, timeout=15):
    """The value of `expression` in the page once `condition(value)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if condition(value):
            return value
        assert time.monotonic() < deadline, f"{expression} stayed {value!r}"
        page.wait_for_timeout(100)


def test_record_stop_and_upload(browser, live_server, org, owner, media_root, monkeypatch):
    from django_q.conf import Conf
    from playwright.sync_api import expect

    from meetings.models import Job, Recording
    from meetings.recordings.media import probe

    monkeypatch.setattr(Conf, "SYNC", False)  # the job stays queued: no worker runs in this test
    meeting = services.create_meeting(org, owner, title="브라우저 녹음", held_at=timezone.now())
    page = open_page(browser, live_server, owner, microphone=True)
    with failing_on_page_errors(page):
        response = page.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
        assert "microphone=(self)" in response.headers["permissions-policy"]

        start, stop = page.locator(".recorder-start"), page.locator(".recorder-stop")
        timer, meter = page.locator(".recorder-timer"), page.locator(".recorder-level")
        expect(meter).to_be_hidden()
        start.click()
        stop.wait_for(state="visible")
        assert start.is_hidden() and page.locator("#upload-file").is_disabled()
        expect(meter).to_be_visible()
        expect(timer).to_have_text("0:01")
        levels = meter_levels_while(page, meter, lambda: timer.inner_text() == f"0:0{RECORD_SECONDS}")
        # Speech and the pauses between words: the meter rises and falls.
        assert max(levels) > 0.3 and min(levels) < max(levels) - 0.2, levels
        stop.click()

        # The upload widget takes over: the page reloads with the queued job in the status panel.
        page.wait_for_selector("#job-status[data-state=queued]")
        assert page.locator(".recorder-start").count() == 0
        job = Job.objects.get(meeting=meeting)
        assert job.state == "queued"
        recording = Recording.objects.get(meeting=meeting)
        assert recording.original_name.startswith("recording-") and recording.original_name.endswith(".webm")
        assert recording.content_type.startswith("audio/webm")
        # Right before any processing: the stored file, the row, the card and the player agree.
        assert RECORD_SECONDS - 0.5 < recording.duration < RECORD_SECONDS + 2.5
        assert abs(probe(Path(recording.file.path)).duration - recording.duration) < 0.2
        card = page.locator("section.recording p.muted").inner_text()
        assert shown_duration(recording.duration) in card, card
        player = evaluated_when(
            page,
            "({d: document.getElementById('player').duration, s: document.getElementById('player').seekable.length})",
            lambda value: value["d"] is not None and value["s"] > 0,
        )
        assert abs(player["d"] - recording.duration) < 0.2, player


def test_a_meeting_with_a_recording_has_no_recorder_but_allows_voice_questions(owner_client, org, owner, tone_wav):
    meeting = services.create_meeting(org, owner, title="녹음 있음", held_at=timezone.now())
    with open(tone_wav, "rb") as handle:
        owner_client.post(reverse("meetings:upload", args=[meeting.pk]), {"file": handle})
    response = owner_client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert b"recorder-start" not in response.content
    assert "microphone=(self)" in response["Permissions-Policy"]
