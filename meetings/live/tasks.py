"""django-q2 entry points of live capture, run on the live queue (LIVE_CLUSTER_NAME): live transcription of
the audio received so far, the join at finish, and the minute-by-minute sweep of sessions left idle."""

import logging
import tempfile
from types import SimpleNamespace

import numpy as np
from django.conf import settings
from django.utils import timezone

from ai_pipeline.pipeline import PipelineError
from meetings.live import services
from meetings.models import LiveSession
from meetings.processing.stages import job_options
from meetings.recordings.local_files import local_path

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "nexochat-live-idle"
SCHEDULE_FUNC = "meetings.live.tasks.run_live_sweep"


def transcribe_live(session_id):
    """Transcribe the session's audio that has closed windows since the last run. One task per session
    at a time: a task that finds another holding the session leaves (that one picks up what arrived, as it
    looks again before letting go). Returns the number of windows added."""
    added = 0
    while services.take_transcription(session_id):
        try:
            before = _settled(session_id)
            added += _transcribe_new_audio(session_id)
        except PipelineError as exc:
            logger.warning("live transcription of session %s: %s", session_id, exc)
            return added
        finally:
            services.release_transcription(session_id)
        if _settled(session_id) == before or not _more_audio(session_id):
            break
    return added


def _settled(session_id):
    return LiveSession.objects.filter(pk=session_id).values_list("transcribed_until", flat=True).first()


def _more_audio(session_id):
    session = LiveSession.objects.get(pk=session_id)
    contiguous = services.contiguous_chunks(session)
    received = contiguous[-1][0] + contiguous[-1][1].duration if contiguous else 0.0
    return received - session.transcribed_until > 1.0


def _transcribe_new_audio(session_id):
    from ai_pipeline.audio import SAMPLE_RATE, decode_audio, speech_regions
    from ai_pipeline.live import live_windows, transcribe_windows
    from ai_pipeline.stages import speech_settings
    from ai_pipeline.stt import ModelLoadError, get_engine

    session = LiveSession.objects.select_related("meeting").get(pk=session_id)
    start = session.transcribed_until
    pieces = [(begin, chunk) for begin, chunk in services.contiguous_chunks(session) if begin + chunk.duration > start]
    if not pieces:
        return 0
    offset = pieces[0][0]
    with tempfile.TemporaryDirectory(prefix="nexochat-live-text-") as folder:
        audio = np.concatenate([decode_audio(local_path(chunk.file, folder)) for _begin, chunk in pieces])
    skip = int(round((start - offset) * SAMPLE_RATE))
    audio = audio[skip:]
    offset = start
    windows, settled = live_windows(
        speech_regions(audio), len(audio) / SAMPLE_RATE, settings.LIVE_WINDOW_SECONDS, final=False
    )
    if windows:
        options = job_options(session.meeting, {})
        name, model, glossary = speech_settings(SimpleNamespace(options=options))
        try:
            engine = get_engine(name, model, None)
        except ModelLoadError as exc:
            raise PipelineError(str(exc)) from exc
        language = options.get("language") or "ko"
        transcribe_windows(audio, windows, engine, None if language == "auto" else language, glossary)
    services.save_live_text(session_id, windows, offset, settled)
    return len([window for window in windows if window.text])


def join_live_session(session_id):
    recording = services.complete_finish(session_id)
    return recording.pk if recording is not None else None


def run_live_sweep():
    """The scheduled task: finish sessions left idle, join again those whose join died with its worker,
    drop drafts the final transcript has replaced."""
    finished = services.finish_idle_sessions()
    services.requeue_stalled_joins()
    services.drop_replaced_drafts()
    return len(finished)


def setup_schedule():
    """Create or update the every-minute schedule (idempotent). Returns (schedule, created)."""
    from django_q.models import Schedule

    schedule = Schedule.objects.filter(name=SCHEDULE_NAME).first()
    if schedule is not None:
        if schedule.func != SCHEDULE_FUNC or schedule.schedule_type != Schedule.MINUTES or schedule.minutes != 1:
            schedule.func, schedule.schedule_type, schedule.minutes = SCHEDULE_FUNC, Schedule.MINUTES, 1
            schedule.save(update_fields=["func", "schedule_type", "minutes"])
        if (schedule.cluster or "") != settings.LIVE_CLUSTER_NAME:
            schedule.cluster = settings.LIVE_CLUSTER_NAME or None
            schedule.save(update_fields=["cluster"])
        return schedule, False
    schedule = Schedule.objects.create(
        name=SCHEDULE_NAME,
        func=SCHEDULE_FUNC,
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        next_run=timezone.now(),
        cluster=settings.LIVE_CLUSTER_NAME or None,
    )
    return schedule, True
