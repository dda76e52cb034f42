"""Finishing a live session: the chunks joined in sequence order whatever order they came in, the joined
length checked, the result attached as the meeting's recording with its processing queued; sessions left
idle finished by the server; the queue it all runs on."""

import datetime
import subprocess

import pytest
from django.utils import timezone

from meetings.live import services, tasks
from meetings.models import Job, LiveSession, LiveState, Recording
from meetings.recordings.media import probe
from tests.support import factories
from tests.support.audio import cut
from tests.support.tools import missing_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(org, owner):
    return factories.meeting(org, "라이브 회의", creator=owner)


def send(session, chunks, order):
    for sequence in order:
        with chunks[sequence].open("rb") as body:
            services.receive_chunk(session, sequence, body, "audio/webm")


def finish(session, by_server=False):
    services.request_finish(session, by_server=by_server)
    return services.complete_finish(session.pk)


def test_finish_joins_out_of_order_webm_chunks_without_reencoding(meeting, owner, tone_chunks):
    session = services.open_session(meeting, owner)
    send(session, tone_chunks, [2, 0, 1])
    recording = finish(session)

    session.refresh_from_db()
    assert session.state == LiveState.DONE and session.finished_at is not None
    report = session.finish_report
    assert report["method"] == "remux" and report["missing"] == [] and report["chunks"] == 3
    assert recording.meeting == meeting and recording.uploaded_by == owner
    assert recording.file.name.endswith(".webm")
    assert probe(recording.file.path).duration == pytest.approx(6.0, abs=0.1)
    assert Job.objects.get(meeting=meeting).kind == "process"
    assert report["seconds"] == pytest.approx(6.0, abs=0.1)
    assert all(chunk.file.name == "" for chunk in session.chunks.all()), "the joined recording holds them now"


def test_finish_follows_the_sequence_not_the_arrival(meeting, owner, tmp_path):
    """Three tones of different pitch sent 2, 0, 1: the joined recording plays them 0, 1, 2."""
    import numpy as np

    from ai_pipeline.audio import decode_audio
    from tests.support.audio import write_tone_wav

    chunks = []
    for index, freq in enumerate((300.0, 600.0, 1200.0)):
        folder = tmp_path / f"c{index}"
        folder.mkdir()
        source = write_tone_wav(folder / "tone.wav", seconds=2.0, freq=freq)
        chunks += cut(source, folder, 2, 1, ".webm", ["-c:a", "libopus"])
    session = services.open_session(meeting, owner)
    send(session, chunks, [2, 0, 1])
    recording = finish(session)

    audio = decode_audio(recording.file.path)
    pitches = []
    for second in (1.0, 3.0, 5.0):
        window = audio[int((second - 0.25) * 16000) : int((second + 0.25) * 16000)]
        spectrum = np.abs(np.fft.rfft(window))
        pitches.append(float(np.argmax(spectrum) * 16000 / len(window)))
    assert pitches == [pytest.approx(300, abs=10), pytest.approx(600, abs=10), pytest.approx(1200, abs=10)]


def test_finish_decodes_once_when_chunks_differ_and_reports_gaps(meeting, owner, tone_chunks, tone_wav_chunks):
    session = services.open_session(meeting, owner)
    with tone_chunks[0].open("rb") as body:
        services.receive_chunk(session, 0, body, "audio/webm")
    with tone_wav_chunks[2].open("rb") as body:
        services.receive_chunk(session, 2, body, "audio/wav")
    recording = finish(session)

    session.refresh_from_db()
    assert session.finish_report["method"] == "decode"
    assert session.finish_report["missing"] == [1]
    assert recording.file.name.endswith(".wav")
    assert probe(recording.file.path).duration == pytest.approx(4.0, abs=0.1)


def test_wav_chunks_are_remuxed(meeting, owner, tone_wav_chunks):
    session = services.open_session(meeting, owner)
    send(session, tone_wav_chunks, [1, 2, 0])
    recording = finish(session)
    session.refresh_from_db()
    assert session.finish_report["method"] == "remux"
    assert probe(recording.file.path).duration == pytest.approx(6.0, abs=0.01)


def test_a_failed_join_keeps_every_chunk_and_may_be_asked_again(meeting, owner, tone_chunks):
    session = services.open_session(meeting, owner)
    send(session, tone_chunks, [0, 1])
    factories.recording(meeting)  # someone uploaded a file meanwhile: attaching is refused
    assert finish(session) is None
    session.refresh_from_db()
    assert session.state == LiveState.FAILED and "already has a recording" in session.failure_reason
    assert all(chunk.file.storage.exists(chunk.file.name) for chunk in session.chunks.all())

    meeting.recording.delete()
    assert finish(session) is not None
    session.refresh_from_db()
    assert session.state == LiveState.DONE


def test_finishing_without_chunks_closes_the_session(meeting, owner):
    session = services.open_session(meeting, owner)
    services.request_finish(session)
    session.refresh_from_db()
    assert session.state == LiveState.DONE and session.finish_report["chunks"] == 0
    assert meeting.recording is None


def test_deleting_the_meeting_deletes_its_stored_chunks(
    meeting, owner, tone_chunks, django_capture_on_commit_callbacks
):
    from meetings import services as meeting_services

    session = services.open_session(meeting, owner)
    send(session, tone_chunks, [0, 1])
    stored = [chunk.file for chunk in session.chunks.all()]
    assert all(file.storage.exists(file.name) for file in stored)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.delete_meeting(meeting, user=owner)
    assert not LiveSession.objects.exists()
    assert not any(file.storage.exists(file.name) for file in stored)


# --- sessions left idle ---------------------------------------------------------------------------


def test_sessions_idle_past_the_limit_are_finished_by_the_server(meeting, org, owner, member, tone_chunks, settings):
    settings.LIVE_ABANDON_SECONDS = 60
    idle = services.open_session(meeting, owner)
    send(idle, tone_chunks, [0, 1])
    busy = services.open_session(factories.meeting(org, "진행 중", creator=member), member)
    send(busy, tone_chunks, [0])
    LiveSession.objects.filter(pk=idle.pk).update(last_chunk_at=timezone.now() - datetime.timedelta(seconds=61))
    LiveSession.objects.filter(pk=busy.pk).update(last_chunk_at=timezone.now() - datetime.timedelta(seconds=30))

    assert services.finish_idle_sessions() == [idle.pk]
    idle.refresh_from_db()
    busy.refresh_from_db()
    assert idle.state == LiveState.FINISHING and busy.state == LiveState.RECORDING
    tasks.join_live_session(idle.pk)
    idle.refresh_from_db()
    assert idle.state == LiveState.ABANDONED
    assert idle.finish_report["by_server"] is True
    assert probe(Recording.objects.get(meeting=meeting).file.path).duration == pytest.approx(4.0, abs=0.1)


def test_a_join_that_died_with_its_worker_is_queued_again_by_the_sweep(meeting, owner, tone_chunks, settings):
    session = services.open_session(meeting, owner)
    send(session, tone_chunks, [0, 1])
    services.request_finish(session)  # its join was queued; say the worker died before it ran
    assert services.requeue_stalled_joins() == []  # not yet: a join may still be running
    later = timezone.now() + datetime.timedelta(seconds=settings.JOB_TIMEOUT + 61)
    assert services.requeue_stalled_joins(now=later) == [session.pk]  # the test settings run it inline
    session.refresh_from_db()
    assert session.state == LiveState.DONE
    assert Recording.objects.filter(meeting=meeting).exists()


def test_the_sweep_schedule_is_created_once_on_the_live_queue(settings):
    settings.LIVE_CLUSTER_NAME = "live"
    schedule, created = tasks.setup_schedule()
    assert created and schedule.func == "meetings.live.tasks.run_live_sweep" and schedule.cluster == "live"
    again, created_again = tasks.setup_schedule()
    assert not created_again and again.pk == schedule.pk


# --- the live queue -------------------------------------------------------------------------------


@pytest.fixture
def broker(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # queue through the ORM broker, as production does


def queued():
    from django_q.models import OrmQ

    return sorted((row.key, row.task["func"]) for row in OrmQ.objects.all())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cluster", ["live", ""])
def test_live_tasks_go_to_the_live_queue(meeting, owner, tone_chunks, settings, broker, cluster):
    settings.LIVE_CLUSTER_NAME = cluster
    session = services.open_session(meeting, owner)
    send(session, tone_chunks, [0])
    services.request_finish(session)
    expected = cluster or "default"
    assert queued() == [
        (expected, "meetings.live.tasks.join_live_session"),
        (expected, "meetings.live.tasks.transcribe_live"),
    ]


# --- a full disk ----------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path, settings):
    folder = tmp_path / "media"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        missing_tool(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    settings.MEDIA_ROOT = str(folder)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_refuses_the_chunk_with_507_and_keeps_the_earlier_ones(meeting, owner, tone_wav_chunks, small_disk):
    session = services.open_session(meeting, owner)
    stored = []
    with pytest.raises(services.ServiceError) as refused:
        for sequence in range(10):
            with tone_wav_chunks[sequence % 3].open("rb") as body:
                stored.append(services.receive_chunk(session, sequence, body, "audio/wav")[0])
    assert refused.value.code == "storage_full" and services.STATUS["storage_full"] == 507
    assert 1 <= len(stored) < 10
    for chunk in stored:
        with chunk.file.open("rb") as kept:
            assert kept.read() == tone_wav_chunks[chunk.sequence % 3].read_bytes()
    assert session.chunks.count() == len(stored)
    names = sorted(path.name for path in small_disk.rglob("*") if path.is_file())
    assert len(names) == len(stored), "the refused chunk left no partial file"
