"""The stages a processing job runs, and which ones each job kind runs.

The speech stages (decode, vad, diarize, transcribe, recover, align) are engines: they take a local
file and options and leave plain data (ai_pipeline/stages.py). The stages here read and write the
meeting's rows around them: probe the recording, read the stored words for a re-diarization, save the
transcript, index it for search, write the minutes. Before any stage runs, the job's context gets the
recording as a local file (copied out of remote storage when needed) and the options the speech
stages need: the job's own, then the organization's speech settings, then the server's."""

import logging
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_noop

from ai_pipeline.pipeline import PipelineContext, PipelineError, Stage
from ai_pipeline.stages import AlignStage, DecodeStage, DiarizeStage, VadStage, speech_stages
from meetings.model_choices import stt_models
from meetings.models import Job, OrganizationAISettings
from meetings.recordings.local_files import local_path
from meetings.recordings.media import MediaError, probe
from nexochat.errors import ServiceError

logger = logging.getLogger(__name__)

# Stage names are stable keys (stored on the Job); the UI translates them.
STAGE_LABELS = {
    "probe": gettext_noop("Checking the recording"),
    "decode": gettext_noop("Decoding"),
    "vad": gettext_noop("Detecting speech"),
    "words": gettext_noop("Reading the stored transcript"),
    "diarize": gettext_noop("Separating speakers"),
    "transcribe": gettext_noop("Transcribing"),
    "recover": gettext_noop("Re-reading unclear speech"),
    "align": gettext_noop("Aligning"),
    "save": gettext_noop("Saving"),
    "index": gettext_noop("Indexing for search"),
    "minutes": gettext_noop("Writing the minutes"),
}


@dataclass
class JobContext(PipelineContext):
    """A PipelineContext for a job over a meeting: the stages here read and write its rows."""

    meeting: object = None
    recording: object = None

    def local_recording_path(self):
        """A filesystem path for the recording, copied into the scratch folder when its storage has none."""
        return local_path(self.recording.file, self.workdir, "input")


def job_options(meeting, options):
    """The job's options with what it leaves open filled in: the meeting's language, and the
    speech-to-text engine, model and glossary from the organization's speech settings (an option the
    job sets wins; one neither sets is left to the server's settings.STT_*)."""
    resolved = dict(options or {})
    if meeting is None:
        return resolved
    if not resolved.get("language") and meeting.language:
        resolved["language"] = meeting.language
    config = OrganizationAISettings.objects.filter(organization_id=meeting.organization_id).first()
    if config is not None:
        for name, value in (
            ("stt_engine", config.stt_engine),
            ("stt_model", config.stt_model),
            ("glossary", config.glossary_terms),
        ):
            if not resolved.get(name) and value:
                resolved[name] = value
    model = resolved.get("stt_model")
    if model and model not in stt_models():
        # Chosen before the operator took it off the list: the worker loads only what the operator offers.
        raise PipelineError(
            f"The speech-to-text model {model!r} is not offered on this server (STT_MODEL, STT_MODELS); "
            "choose another in the organization's settings or when re-transcribing.",
            code="model_not_allowed",
        )
    return resolved


def job_context(job):
    """The context a job's stages run with."""
    meeting = job.meeting
    return JobContext(job=job, meeting=meeting, recording=meeting.recording, options=job_options(meeting, job.options))


@contextmanager
def recording_at_hand(context, kind):
    """A scratch folder for the job, removed afterwards, and for the kinds that work on the recording
    (a minutes job needs only the saved transcript), the recording as a local file
    (context.data["input_path"]) and its known duration."""
    context.workdir = Path(tempfile.mkdtemp(prefix=f"nexochat-job{context.job.pk}-"))
    try:
        if kind in Job.RECORDING_KINDS and context.recording is not None:
            context.data["input_path"] = str(context.local_recording_path())
            context.data["duration_hint"] = context.recording.duration
        yield context
    finally:
        shutil.rmtree(context.workdir, ignore_errors=True)


class ProbeStage(Stage):
    """Decode the whole recording once: exact duration, codecs, and damage found early."""

    name = "probe"
    weight = 1.0

    def run(self, context, progress):
        recording = context.recording
        try:
            info = probe(context.data["input_path"])
        except MediaError as exc:
            raise PipelineError(str(exc)) from exc
        recording.duration = info.duration
        recording.media_info = info.as_dict()
        recording.save(update_fields=["duration", "media_info"])
        context.data["duration_hint"] = info.duration
        progress(1.0)


class StoredWordsStage(Stage):
    """For re-diarization: the words (with times) the last transcription stored."""

    name = "words"
    weight = 0.1

    def run(self, context, progress):
        from ai_pipeline.stt import DroppedText

        rows = context.meeting.segments.order_by("position").values_list("words", flat=True)
        words = [word for row in rows for word in (row or [])]
        if not words and context.meeting.segments.exists():
            raise PipelineError("The stored transcript has no word timings; transcribe the recording again.")
        context.data["words"] = words
        # why earlier text was removed still holds when only the speakers change
        gaps = context.meeting.transcript_gaps.values_list("start", "end", "reason")
        context.data["dropped"] = [DroppedText(start, end, reason, "") for start, end, reason in gaps]
        progress(1.0)


class SaveStage(Stage):
    name = "save"
    weight = 0.2

    def run(self, context, progress):
        from meetings.transcript.store import save_transcript
        from meetings.voiceprints.matching import suggest_members

        count = save_transcript(
            context.meeting,
            context.data.get("segments") or [],
            context.data.get("gaps") or [],
            embeddings=context.data.get("speaker_embeddings"),
        )
        if "coverage" in context.data:
            context.job.record_summary({**context.data["coverage"], "level_gain_db": context.data["level_gain_db"]})
        context.log(f"saved {count} segments")
        suggested = suggest_members(context.meeting)
        if suggested:
            context.log(f"speaker memory: {len(suggested)} speakers suggested by voiceprint")
        progress(1.0)


class IndexStage(Stage):
    """After the transcript is saved, the meeting's search passages are rebuilt."""

    name = "index"
    weight = 0.3

    def able_to_run(self, context):
        return context.meeting is not None

    def run(self, context, progress):
        from meetings.search.indexing import index_meeting

        count = index_meeting(context.meeting)
        context.log(f"indexed {count} passages for search")
        progress(1.0)


class MinutesStage(Stage):
    """Write minutes from the meeting's saved transcript.

    In a "minutes" job (on demand) a failing provider fails the job with its reason and a failure code
    (the previous minutes and the meeting's state are left as they were; the minutes panel explains the
    code). After transcription (the "process" job, MINUTES_AUTO) a failing provider falls back to
    extractive minutes, so a recording never ends up without minutes because an API key expired."""

    name = "minutes"
    weight = 1.5

    def __init__(self, automatic=False):
        self.automatic = automatic

    def run(self, context, progress):
        from accounts.models import User
        from ai_pipeline.llm import LLMError
        from meetings.conference.recap import send_recap_after_minutes
        from meetings.minutes import generation, services

        meeting = context.meeting
        if meeting is None:
            raise PipelineError("Minutes need a meeting.")
        if self.automatic and not services.has_transcript(meeting):
            return  # no speech was found: nothing to write minutes about
        options = context.options or {}
        user = User.objects.filter(pk=options["user"]).first() if options.get("user") else None
        try:
            minutes = generation.generate_for_meeting(
                meeting,
                template_key=options.get("template", "") if not self.automatic else "",
                provider_name=options.get("provider", "") if not self.automatic else "",
                job=context.job,
                user=user,
                on_progress=progress,
                fallback_to_extractive=self.automatic,
            )
        except ServiceError as exc:
            raise PipelineError(str(exc), code=exc.code) from exc
        except LLMError as exc:
            # The reason names settings and servers: it is for operators (the job's log and reason in the
            # admin, and the worker's log); the minutes panel explains the failure code instead.
            logger.warning("minutes for meeting %s failed: %s", meeting.pk, exc)
            context.log(f"minutes: {exc}")
            code = generation.failure_code(exc)
            raise PipelineError(f"Minutes could not be written: {exc}", retryable=exc.retryable, code=code) from exc
        context.data["minutes_id"] = minutes.pk
        send_recap_after_minutes(meeting)
        progress(1.0)


def _after_save(kind):
    """What follows a saved transcript: the search index, then (for a new recording) the minutes."""
    stages = [IndexStage()]
    if kind == "process" and settings.MINUTES_AUTO:
        stages.append(MinutesStage(automatic=True))
    return stages


def stages_for(kind, options):
    """The ordered stages a job of this kind runs."""
    if kind == "probe":
        return [ProbeStage()]
    if kind == "process":
        return [ProbeStage(), *speech_stages(), SaveStage(), *_after_save(kind)]
    if kind == "transcribe":
        return [*speech_stages(), SaveStage(), *_after_save(kind)]
    if kind == "diarize":
        return [
            DecodeStage(),
            VadStage(),
            StoredWordsStage(),
            DiarizeStage(),
            AlignStage(),
            SaveStage(),
            *_after_save(kind),
        ]
    if kind == "minutes":
        return [MinutesStage()]
    raise PipelineError(f"Unknown job kind {kind!r}.")
