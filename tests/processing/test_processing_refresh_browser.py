"""The meeting page in a real browser (headless Chromium) while a job processes its recording: when the
job finishes, the transcript (segments, speaker timeline, talk time) and the minutes panel show the new
result without a reload, the audio player keeps its place, and an open edit is not thrown away.

The test plays the worker: the job is handed to django-q2's broker, which nobody serves here, and the
test moves it along with the same calls the pipeline makes (Job.mark_running/report/mark_done and
save_transcript), so no speech model runs."""

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Job, JobState
from meetings.transcript.store import save_transcript
from tests.support import factories
from tests.support.audio import write_tone_wav
from tests.support.browser import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

NEW_SEGMENTS = [
    {"speaker": "A", "start": 0.5, "end": 2.0, "text": "안녕하세요 여러분", "words": []},
    {"speaker": "B", "start": 2.5, "end": 6.25, "text": "네, 반갑습니다.", "words": []},
    {"speaker": "C", "start": 7.0, "end": 9.5, "text": "세 번째 목소리가 안건을 읽습니다.", "words": []},
    {"speaker": "B", "start": 61.0, "end": 63.5, "text": "좋습니다.", "words": []},
]


@pytest.fixture(autouse=True)
def queued_not_run(monkeypatch):
    """Queued jobs wait in the broker instead of running inline (the test settings' sync mode)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.fixture
def meeting(org, owner, member):
    meeting = factories.build_transcript(org, owner, with_recording=False)
    factories.recording(meeting, 70)
    return meeting


def open_meeting(page, live_server, meeting):
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    # Gone if anything reloads the page.
    page.evaluate("window.notReloaded = true")


def park_player(page, seconds):
    page.evaluate(f"() => {{ const a = document.getElementById('player'); a.pause(); a.currentTime = {seconds}; }}")


def player_position(page):
    return page.evaluate("document.getElementById('player').currentTime")


def finish(job, segments):
    job.refresh_from_db()
    save_transcript(job.meeting, segments)
    job.mark_done()


def test_rediarizing_from_the_page_shows_the_new_speakers_when_done(member_page, live_server, meeting):
    page = member_page
    open_meeting(page, live_server, meeting)
    park_player(page, 5)
    assert page.locator(".timeline-row").count() == 2

    page.click(".transcript-rerun-box summary")
    page.fill("input[name=num_speakers]", "3")
    page.click("text=Re-separate speakers")
    page.wait_for_selector("#job-status[data-state=queued]")
    job = Job.objects.get(meeting=meeting, kind="diarize")
    assert job.options == {"num_speakers": 3}

    job.mark_running("diarize")
    job.report("diarize", 40)
    page.wait_for_selector("#job-status[data-state=running]")
    assert page.locator(".timeline-row").count() == 2  # nothing changes while the job runs

    finish(job, NEW_SEGMENTS)
    page.wait_for_selector("#transcript-panel .segment-text:has-text('세 번째 목소리가 안건을 읽습니다.')")
    assert page.locator(".timeline-row").count() == 3
    assert page.locator(".talk-time tr").count() == 3
    assert page.locator("#job-status[data-state=done]").count() == 1
    assert page.inner_text("#meeting-status") == "Ready"
    assert page.evaluate("window.notReloaded") is True
    assert abs(player_position(page) - 5) < 0.05
    # The refreshed panel is still wired to the player.
    page.click(".timeline-block[data-seek='7.0']")
    page.evaluate("document.getElementById('player').pause()")
    assert abs(player_position(page) - 7) < 0.05


def test_the_first_processing_of_an_upload_fills_the_page(member_page, live_server, org, member, tmp_path):
    meeting = services.create_meeting(org, member, title="첫 업로드", held_at=timezone.now())
    page = member_page
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    page.set_input_files("#upload-file", str(write_tone_wav(tmp_path / "회의.wav", seconds=70)))
    page.wait_for_selector("#job-status[data-state=queued]")  # upload.js opened the page again
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.evaluate("window.notReloaded = true")
    page.wait_for_selector(".empty-transcript")
    page.wait_for_selector("#minutes-panel :text('Minutes are written once the transcript is ready.')")
    park_player(page, 12)

    job = Job.objects.get(meeting=meeting, kind="process")
    job.mark_running("transcribe")
    page.wait_for_selector("#job-status[data-state=running]")
    finish(job, NEW_SEGMENTS)

    page.wait_for_selector("#transcript-panel .segment >> nth=3")
    assert page.locator(".empty-transcript").count() == 0
    assert page.locator(".timeline-row").count() == 3
    page.wait_for_selector("#minutes-panel .minutes-generate")
    assert "No minutes yet." in page.inner_text("#minutes-panel")
    assert page.evaluate("window.notReloaded") is True
    assert abs(player_position(page) - 12) < 0.05


def test_an_open_segment_edit_is_kept_until_the_reader_loads_the_new_transcript(member_page, live_server, meeting):
    job = Job.objects.create(meeting=meeting, kind="transcribe", options={"stt_engine": "faster-whisper"})
    job.mark_running("transcribe")
    page = member_page
    open_meeting(page, live_server, meeting)
    segment = meeting.segments.get(position=2)
    page.click(f"#segment-{segment.pk} .segment-edit-button")
    page.fill(f"#segment-{segment.pk} textarea", "아직 저장하지 않은 고친 문장")

    finish(job, NEW_SEGMENTS)
    page.wait_for_selector("#job-status[data-state=done]")
    notice = page.wait_for_selector("#transcript-panel [data-refresh-notice]", state="visible")
    assert page.input_value(f"#segment-{segment.pk} textarea") == "아직 저장하지 않은 고친 문장"
    assert page.locator(".segment-text:has-text('세 번째 목소리가 안건을 읽습니다.')").count() == 0
    assert Job.objects.get(pk=job.pk).state == JobState.DONE

    notice.query_selector("button").click()
    page.wait_for_selector("#transcript-panel .segment-text:has-text('세 번째 목소리가 안건을 읽습니다.')")
    assert page.locator(".segment.editing").count() == 0
    assert page.locator("#transcript-panel [data-refresh-notice]").is_hidden()
    assert page.evaluate("window.notReloaded") is True
