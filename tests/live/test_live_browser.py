"""Live recording in a real browser: Chromium's fake microphone plays English speech (espeak-ng) on the
meeting page. The live text appears while it records; stopping joins the chunks into the meeting's
recording. A page closed mid-recording loses none of the chunks the server acknowledged, the reopened page
offers to continue or finish, and the idle timeout finishes it. Twenty seconds offline leave no hole."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services as meeting_services
from meetings.live import services, tasks
from meetings.models import LiveChunk, LiveSession, LiveState, Recording
from meetings.recordings.media import probe
from tests.support.audio import spoken_sentences
from tests.support.browser import FAKE_MICROPHONE_ARGS, failing_on_page_errors, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTENCES = [
    "Good morning everyone.",
    "Today we decide the launch date.",
    "The budget for the next quarter is ready.",
]


@pytest.fixture
def chromium_args(tmp_path):
    """The sentences with a second of silence after each (Chromium plays the file in a loop)."""
    speech, _seconds = spoken_sentences(tmp_path, SENTENCES, voices=("en", "en-us", "en"), target="speakers.wav")
    return [*FAKE_MICROPHONE_ARGS, f"--use-file-for-fake-audio-capture={speech}"]


def wait_until(condition, timeout=60, message="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        time.sleep(0.2)


@pytest.fixture
def meeting(org, owner):
    return meeting_services.create_meeting(org, owner, title="실시간 회의", held_at=timezone.now(), language="en")


@pytest.fixture
def queued_only(monkeypatch):
    """Tasks wait in the broker (no worker runs in these tests); the test runs the ones it needs."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)


def test_live_text_appears_before_stop_and_the_recording_after(browser, live_server, meeting, owner):
    """Tasks run inline (the test settings' sync mode): each chunk's live transcription, then the join."""
    page = open_page(browser, live_server, owner, microphone=True, timeout=60_000)
    with failing_on_page_errors(page):
        page.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
        page.locator(".live-start").click()
        page.locator(".live-stop").wait_for(state="visible")
        started = time.monotonic()
        line = page.locator(".live-text .live-line", has_text="morning")
        line.first.wait_for(timeout=60_000)
        assert page.locator(".live-stop").is_visible(), "the text came while still recording"
        page.locator(".live-stop").click()
        recorded = time.monotonic() - started
        page.wait_for_selector("#player", timeout=120_000)  # reloaded: the meeting has its recording
    session = LiveSession.objects.get(meeting=meeting)
    assert session.state == LiveState.DONE and session.finish_report["missing"] == [], session.finish_report
    joined = probe(Recording.objects.get(meeting=meeting).file.path).duration
    assert abs(joined - recorded) < 2.0, (joined, recorded)
    assert page.locator("[data-live-recorder]").count() == 0
    # the processing job ran (inline) on the joined recording: the page shows the final transcript
    transcript = page.locator(".transcript-panel").inner_text().lower()
    assert "morning" in transcript, transcript


def test_a_closed_page_keeps_every_acknowledged_chunk_and_offers_to_continue(
    browser, live_server, meeting, owner, queued_only, settings
):
    page = open_page(browser, live_server, owner, microphone=True)
    with failing_on_page_errors(page):
        page.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
        page.locator(".live-start").click()
        wait_until(lambda: LiveChunk.objects.count() >= 2, message="two chunks")
        page.context.close()  # the tab is gone mid-recording
    session = LiveSession.objects.get(meeting=meeting)
    kept = list(session.chunks.values_list("sequence", flat=True))
    assert kept[:2] == [0, 1]
    assert all(chunk.file.storage.exists(chunk.file.name) for chunk in session.chunks.all())

    again = open_page(browser, live_server, owner, microphone=True)
    with failing_on_page_errors(again):
        again.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
        assert again.locator(".live-continue").is_visible()
        assert again.locator(".live-finish").is_visible()
        assert again.locator(".live-start").is_hidden()
        again.context.close()

    settings.LIVE_ABANDON_SECONDS = 1
    LiveSession.objects.filter(pk=session.pk).update(last_chunk_at=timezone.now() - timezone.timedelta(seconds=2))
    assert services.finish_idle_sessions() == [session.pk]
    tasks.join_live_session(session.pk)
    session.refresh_from_db()
    assert session.state == LiveState.ABANDONED
    joined = probe(Recording.objects.get(meeting=meeting).file.path).duration
    assert joined == pytest.approx(sum(c.duration for c in session.chunks.all()), abs=0.5)


def test_twenty_seconds_offline_leave_no_hole(browser, live_server, meeting, owner, queued_only):
    page = open_page(browser, live_server, owner, microphone=True, timeout=60_000)
    with failing_on_page_errors(page):
        page.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
        page.locator(".live-start").click()
        page.locator(".live-stop").wait_for(state="visible")
        started = time.monotonic()
        wait_until(lambda: LiveChunk.objects.count() >= 1, message="the first chunk")
        page.context.set_offline(True)
        offline_since = LiveChunk.objects.count()
        page.wait_for_timeout(20_000)
        assert LiveChunk.objects.count() == offline_since, "nothing arrives while offline"
        page.context.set_offline(False)
        page.wait_for_timeout(6_000)
        page.locator(".live-stop").click()
        recorded = time.monotonic() - started
        wait_until(lambda: LiveSession.objects.get(meeting=meeting).state == LiveState.FINISHING, message="the finish")
    session = LiveSession.objects.get(meeting=meeting)
    assert session.chunks.count() >= 6
    tasks.join_live_session(session.pk)
    session.refresh_from_db()
    assert session.state == LiveState.DONE and session.finish_report["missing"] == []
    joined = probe(Recording.objects.get(meeting=meeting).file.path).duration
    assert abs(joined - recorded) < 1.0, (joined, recorded)


def test_the_live_recorder_passes_axe_and_fits_a_phone(browser, live_server, meeting, owner, queued_only):
    from tests.support.accessibility import AXE_SCRIPT, describe, failing, horizontal_overflow

    page = open_page(browser, live_server, owner, microphone=True, bypass_csp=True)  # axe is added as a script
    page.set_viewport_size({"width": 360, "height": 740})
    with failing_on_page_errors(page):
        page.goto(f"{live_server.url}{reverse('meetings:detail', args=[meeting.pk])}")
        page.locator(".live-start").click()
        page.locator(".live-stop").wait_for(state="visible")
        page.locator(".live-level").wait_for(state="visible")
        page.add_script_tag(path=str(AXE_SCRIPT))
        problems = failing(
            page.evaluate(
                "() => axe.run('[data-live-recorder]', {resultTypes: ['violations']}).then(r => r.violations)"
            )
        )
        assert not problems, describe(problems)
        wide = horizontal_overflow(page)
        assert wide["overflow"] == 0, wide["culprits"]
        page.locator(".live-stop").click()
        wait_until(lambda: LiveSession.objects.get(meeting=meeting).state != LiveState.RECORDING, message="finish")
