"""Write paths for a meeting's transcript: speakers (rename, merge, map to a member), segment text
edits, and re-running diarization or transcription. The page views and the API both call these,
so the rules (same meeting, members only, one job at a time) live in one place."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from meetings.model_choices import check_stt_model
from meetings.models import Job, JobState, Meeting, Segment, Speaker, TranscriptGap
from meetings.processing.services import queue_processing
from meetings.transcript.exports import export_transcript, transcript_data
from nexochat.errors import ServiceError

MAX_SPEAKERS = 20
MAX_MODEL_LENGTH = 200
TRANSCRIPT_KINDS = ("process", "transcribe", "diarize")


def speakers_of(meeting):
    return list(Speaker.objects.filter(meeting=meeting).select_related("member", "suggested_member").order_by("label"))


def segments_of(meeting):
    return list(Segment.objects.filter(meeting=meeting).select_related("speaker__member").order_by("position"))


def gaps_of(meeting):
    return list(TranscriptGap.objects.filter(meeting=meeting).select_related("speaker__member").order_by("start"))


def coverage_of(meeting):
    """What the last job that wrote this transcript found (speech seconds, gaps, coverage), or None
    for a transcript written before coverage was recorded or imported from text."""
    job = (
        Job.objects.filter(meeting=meeting, state=JobState.DONE, kind__in=TRANSCRIPT_KINDS)
        .exclude(summary={})
        .order_by("-finished_at", "-id")
        .only("summary")
        .first()
    )
    return job.summary if job else None


def transcript_document(meeting):
    """The whole transcript as plain data (the API's shape and the JSON export's)."""
    return transcript_data(meeting, speakers_of(meeting), segments_of(meeting), gaps_of(meeting), coverage_of(meeting))


def export_file(meeting, fmt):
    """The transcript as a file; raises exports.UnknownFormat for a format we do not write."""
    return export_transcript(
        fmt, meeting, speakers_of(meeting), segments_of(meeting), gaps_of(meeting), coverage_of(meeting)
    )


def get_speaker(meeting, speaker_id):
    """A speaker of this meeting, or None: ids from another meeting are treated as missing."""
    return Speaker.objects.filter(meeting=meeting, pk=speaker_id).select_related("member").first()


def get_segment(meeting, segment_id):
    return Segment.objects.filter(meeting=meeting, pk=segment_id).select_related("speaker__member").first()


def organization_members(meeting):
    return User.objects.filter(memberships__organization_id=meeting.organization_id).order_by("name", "email")


def _reindex_after_commit(meeting_id):
    """Search passages carry speaker names and text: refresh them once the change is saved."""
    from meetings.search.tasks import schedule_index

    transaction.on_commit(lambda: schedule_index(meeting_id))


def rename_speaker(speaker, name):
    """An empty name goes back to the member's name or the label."""
    speaker.name = " ".join((name or "").split())[: Speaker._meta.get_field("name").max_length]
    speaker.save(update_fields=["name"])
    _reindex_after_commit(speaker.meeting_id)
    return speaker


def map_speaker_to_member(speaker, user):
    """Link a speaker to a member of the meeting's organization (None unlinks)."""
    if user is not None:
        organization_id = Meeting.objects.filter(pk=speaker.meeting_id).values_list("organization_id", flat=True)[0]
        if not Membership.objects.filter(user=user, organization_id=organization_id).exists():
            raise ServiceError(_("That person is not a member of this organization."), "not_member")
    speaker.member = user
    speaker.save(update_fields=["member"])
    _reindex_after_commit(speaker.meeting_id)
    return speaker


@transaction.atomic
def merge_speakers(source, target):
    """Move every segment of `source` to `target` and remove `source`. Segment positions stay as
    they are; neighbouring segments of the now-same speaker are left separate."""
    if source.meeting_id != target.meeting_id:
        raise ServiceError(_("Both speakers must be in the same meeting."), "other_meeting")
    if source.pk == target.pk:
        raise ServiceError(_("Choose a different speaker to merge into."), "same_speaker")
    Segment.objects.filter(speaker=source).update(speaker=target)
    TranscriptGap.objects.filter(speaker=source).update(speaker=target)
    changed = []
    if not target.name and source.name and not target.member_id:
        target.name = source.name
        changed.append("name")
    if not target.member_id and source.member_id:
        target.member_id = source.member_id
        changed.append("member")
    if changed:
        target.save(update_fields=changed)
    source.delete()
    _reindex_after_commit(target.meeting_id)
    return target


def edit_segment(segment, text):
    """Replace a segment's text. The first text the machine wrote stays in `original_text`,
    however many times people edit it afterwards."""
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("The text cannot be empty."), "empty")
    fields = ["text"]
    if not segment.original_text:
        segment.original_text = segment.text
        fields.append("original_text")
    segment.text = text
    segment.save(update_fields=fields)
    _reindex_after_commit(segment.meeting_id)
    return segment


def is_edited(segment):
    return bool(segment.original_text) and segment.text != segment.original_text


def active_job(meeting):
    return (
        Job.objects.filter(meeting=meeting, state__in=[JobState.QUEUED, JobState.RUNNING])
        .order_by("-created_at")
        .first()
    )


def stt_engines():
    """Engine names the pipeline knows; imported lazily so the web process never loads a model."""
    try:
        from ai_pipeline.stt import ENGINES
    except ImportError:
        return ["faster-whisper"]
    return list(ENGINES)


def _check_can_queue(meeting):
    # Locking the meeting row makes two clicks in a row queue one job, not two.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if meeting.recording is None:
        raise ServiceError(_("This meeting has no recording."), "no_recording")
    if active_job(meeting) is not None:
        raise ServiceError(
            _("A processing job is already running for this meeting. Wait until it finishes."), "running"
        )


def parse_num_speakers(value):
    """'' or None means detect automatically; otherwise a whole number from 1 to MAX_SPEAKERS."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_SPEAKERS:
        raise ServiceError(
            _("The number of speakers must be between 1 and %(max)d.") % {"max": MAX_SPEAKERS}, "invalid"
        )
    return number


@transaction.atomic
def queue_rediarization(meeting, num_speakers=None):
    """Separate speakers again from the stored words, without running speech-to-text again."""
    num_speakers = parse_num_speakers(num_speakers)
    _check_can_queue(meeting)
    if not Segment.objects.filter(meeting=meeting).exists():
        raise ServiceError(_("There is no transcript yet to separate into speakers."), "no_transcript")
    options = {} if num_speakers is None else {"num_speakers": num_speakers}
    return queue_processing(meeting, kind="diarize", options=options)


@transaction.atomic
def queue_retranscription(meeting, stt, model=""):
    stt = (stt or "").strip()
    model = (model or "").strip()
    if stt not in stt_engines():
        raise ServiceError(_("Unknown speech-to-text engine."), "invalid")
    model = check_stt_model(model)
    _check_can_queue(meeting)
    # The pipeline's option names (ai_pipeline.stages, the transcribe command): stt_engine, stt_model.
    options = {"stt_engine": stt}
    if model:
        options["stt_model"] = model
    return queue_processing(meeting, kind="transcribe", options=options)


def talk_times(speakers, segments, gaps=()):
    """[(speaker, seconds, percent of all talk)] in descending order of seconds. Speech without text
    (gaps) counts: someone talked then even if no word was recognised."""
    totals = {speaker.pk: 0.0 for speaker in speakers}
    for segment in [*segments, *gaps]:
        if segment.speaker_id in totals:
            totals[segment.speaker_id] += max(0.0, segment.end - segment.start)
    whole = sum(totals.values())
    rows = [(speaker, totals[speaker.pk], 100.0 * totals[speaker.pk] / whole if whole else 0.0) for speaker in speakers]
    return sorted(rows, key=lambda row: -row[1])
