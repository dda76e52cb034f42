"""Write paths for meetings, recordings and jobs. Views and API views call these; they hold
the rules (validation, duplicate detection, cleanup on failure) so both front ends agree."""

import logging
import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from meetings.recordings.media import MediaError, probe
from meetings.recordings.uploads import storage_unavailable_message
from nexochat.errors import ServiceError

from .models import Job, JobState, Meeting, MeetingStatus, Recording, Tag

logger = logging.getLogger(__name__)


def clean_file_name(name):
    """Keep a readable original name for display; the stored file gets a random name anyway."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "recording"


def set_tags(meeting, names):
    tags = []
    for raw in names:
        name = raw.strip()[:50]
        if name:
            tag, _created = Tag.objects.get_or_create(organization=meeting.organization, name=name)
            tags.append(tag)
    meeting.tags.set(tags)


def parse_tag_names(text):
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@transaction.atomic
def create_meeting(
    organization,
    user,
    *,
    title,
    held_at,
    language="ko",
    description="",
    tags=(),
    participants=(),
    external_participants="",
):
    meeting = Meeting.objects.create(
        organization=organization,
        title=title,
        held_at=held_at,
        language=language,
        description=description,
        external_participants=external_participants,
        created_by=user,
    )
    set_tags(meeting, tags)
    meeting.participants.set(participants)
    return meeting


@transaction.atomic
def update_meeting(
    meeting, *, title, held_at, language, description="", tags=(), participants=(), external_participants=""
):
    meeting.title = title
    meeting.held_at = held_at
    meeting.language = language
    meeting.description = description
    meeting.external_participants = external_participants
    meeting.save(update_fields=["title", "held_at", "language", "description", "external_participants", "updated_at"])
    set_tags(meeting, tags)
    meeting.participants.set(participants)
    return meeting


def can_delete_meeting(user, membership, meeting):
    """The meeting's creator, or an owner/admin of its organization."""
    if membership is None or membership.organization_id != meeting.organization_id:
        return False
    return membership.is_admin or (meeting.created_by_id is not None and meeting.created_by_id == user.pk)


def attach_recording(meeting, uploaded_file, user):
    """Validate an uploaded file, store it as the meeting's recording and queue its processing.

    On any refusal nothing is left behind: no row, no stored file."""
    if getattr(uploaded_file, "size", 0) == 0:
        raise ServiceError(_("The file is empty."), "empty")
    if uploaded_file.size > settings.MAX_UPLOAD_SIZE:
        raise ServiceError(_("The file is larger than the upload limit."), "too_large")
    if meeting.recording is not None:
        raise ServiceError(_("This meeting already has a recording."), "exists")
    path = uploaded_file.temporary_file_path()
    try:
        info = probe(path, decode_seconds=5)
    except MediaError as exc:
        raise ServiceError(str(exc), "invalid_media") from exc
    sha256 = getattr(uploaded_file, "sha256", None) or _sha256_of(path)
    duplicate = (
        Recording.objects.filter(meeting__organization=meeting.organization, sha256=sha256)
        .select_related("meeting")
        .first()
    )
    if duplicate:
        raise ServiceError(
            _("This file was already uploaded to the meeting “%(title)s”.") % {"title": duplicate.meeting.title},
            "duplicate",
            existing_meeting=duplicate.meeting,
        )
    original_name = clean_file_name(uploaded_file.name)
    uploaded_file.name = original_name
    recording = Recording(
        meeting=meeting,
        original_name=original_name,
        content_type=(uploaded_file.content_type or "")[:100],
        size=uploaded_file.size,
        duration=info.duration,
        sha256=sha256,
        media_info=info.as_dict(),
        uploaded_by=user,
    )
    try:
        recording.file.save(original_name, uploaded_file, save=False)
    except Exception as exc:
        # Disk full, object store down: the storage backend has removed any partial object.
        logger.exception("storing the recording of meeting %s failed", meeting.pk)
        raise ServiceError(storage_unavailable_message(), "storage_unavailable") from exc
    try:
        with transaction.atomic():
            recording.save()
            job = queue_processing(meeting, kind="process")
    except Exception:
        recording.file.delete(save=False)
        raise
    return recording, job


def _sha256_of(path):
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def queue_processing(meeting, kind="process", options=None):
    """Create a queued Job and hand it to the worker once the transaction commits."""
    job = Job.objects.create(meeting=meeting, kind=kind, options=options or {})
    if kind in Job.RECORDING_KINDS:
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.QUEUED)
    transaction.on_commit(lambda: _enqueue(job.pk, kind))
    return job


def enqueue_task(func, *args, task_name, speech=False, timeout=None):
    """Hand a task to django-q2 and return its id. Speech work goes to the GPU workers' queue when
    there is one (GPU_CLUSTER_NAME); LLM calls and the rest stay on the default queue."""
    from django_q.tasks import async_task

    q_options = {"task_name": task_name, "timeout": timeout or settings.JOB_TIMEOUT}
    if speech and settings.GPU_CLUSTER_NAME:
        q_options["cluster"] = settings.GPU_CLUSTER_NAME
    return async_task(func, *args, q_options=q_options)


def _enqueue(job_id, kind="process"):
    task_id = enqueue_task(
        "meetings.processing.tasks.run_job", job_id, task_name=f"job-{job_id}", speech=kind in Job.RECORDING_KINDS
    )
    Job.objects.filter(pk=job_id).update(task_id=str(task_id or "")[:64])


def retry_job(job):
    """Queue a fresh run of a failed (or stuck) job with the same kind and options.

    A job still waiting in the queue is closed first, so the meeting never has two live jobs;
    if the broker hands the old one out later, run_job sees it finished and skips it."""
    if job.state == JobState.RUNNING:
        raise ValueError("This job is still running.")
    if job.state == JobState.QUEUED:
        job.mark_failed("Replaced by a retry.")
    return queue_processing(job.meeting, kind=job.kind, options=job.options)


def _drop_answers_citing(meeting):
    """Chat answers that cite the meeting were written from its transcript, so they go with it
    (conversations about the meeting itself go by cascade)."""
    from .models import ChatMessage

    answers = ChatMessage.objects.filter(
        conversation__organization_id=meeting.organization_id, role="assistant"
    ).values_list("pk", "citations")
    doomed = [pk for pk, citations in answers if any(c.get("meeting_id") == meeting.pk for c in citations or [])]
    ChatMessage.objects.filter(pk__in=doomed).delete()


def delete_meeting(meeting, user=None):
    """Delete a meeting with everything hanging off it: segments, speakers, minutes, jobs and any
    other row that points at it go by cascade; its search passages are dropped with the index
    caches told; the audio file goes once the transaction commits (a rollback keeps it)."""
    from accounts import audit
    from meetings.search.indexing import remove_meeting

    recording = meeting.recording
    stored_name = recording.file.name if recording else None
    storage = recording.file.storage if recording else None
    with transaction.atomic():
        audit.record(user, meeting.organization, "meeting.delete", meeting, title=meeting.title)
        remove_meeting(meeting)
        _drop_answers_citing(meeting)
        meeting.delete()
    if stored_name:
        transaction.on_commit(lambda: storage.delete(stored_name))
