"""Write paths of live capture: open a session, receive its numbered chunks, finish it (join the chunks and
attach them as the meeting's recording, which queues the normal processing), finish the ones left idle,
and drop the draft text once the final transcript has replaced it.

Chunks are stored through Django's storage API under the session's prefix, named by sequence number, so
they sort in recording order whatever order they arrive in. A chunk is kept from the moment it is
acknowledged until the joined recording holds it."""

import datetime
import errno
import hashlib
import logging
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.access import meetings_for
from meetings.models import LiveChunk, LiveSession, LiveState, LiveText, MeetingStatus
from meetings.recordings.local_files import local_path
from meetings.recordings.media import MediaError, probe
from nexochat.errors import ServiceError

logger = logging.getLogger(__name__)

# HTTP statuses of the refusals that are not plain bad requests (400).
STATUS = {
    "exists": 409,
    "live_open": 409,
    "live_finished": 409,
    "chunk_conflict": 409,
    "too_large": 413,
    "storage_full": 507,
    "storage_unavailable": 503,
}
# The suffix a chunk is stored under, by FFmpeg's name of its container.
SUFFIXES = {"matroska,webm": ".webm", "ogg": ".ogg", "wav": ".wav", "mov,mp4,m4a,3gp,3g2,mj2": ".mp4", "mp3": ".mp3"}
# A transcription task that has held a session this long is taken to have died with its worker.
TRANSCRIBING_STALE = datetime.timedelta(minutes=10)


# --- access ---------------------------------------------------------------------------------


def sessions_for(user):
    """Live sessions of the meetings the user may see."""
    return LiveSession.objects.filter(meeting__in=meetings_for(user)).select_related("meeting")


def get_session_for(user, pk, own=False):
    """A session the user may see (own=True: one the user records); anything else is a 404."""
    sessions = sessions_for(user)
    if own:
        sessions = sessions.filter(owner=user)
    session = sessions.filter(pk=pk).first()
    if session is None:
        raise Http404("No such live session.")
    return session


def limit_status(exc):
    """429 for an organization at its limit (it may try again when one of its sessions ends), 503 for a
    server at its limit."""
    return 429 if exc.details.get("scope") == "organization" else 503


# --- opening ----------------------------------------------------------------------------------


def open_session(meeting, user):
    """Start a live recording of `meeting` by `user`. Refused when the meeting has a recording or an open
    session, and at the organization's or the server's limit of open sessions."""
    with transaction.atomic():
        if meeting.recording is not None:
            raise ServiceError(_("This meeting already has a recording."), "exists")
        existing = LiveSession.objects.filter(meeting=meeting, state__in=LiveSession.OPEN_STATES).first()
        if existing is not None:
            raise ServiceError(_("This meeting is already being recorded live."), "live_open", live_session=existing.pk)
        open_sessions = LiveSession.objects.filter(state__in=LiveSession.OPEN_STATES)
        if open_sessions.filter(meeting__organization_id=meeting.organization_id).count() >= (
            settings.LIVE_MAX_SESSIONS_PER_ORG
        ):
            raise ServiceError(
                _(
                    "Your organization is recording as many meetings live as it may (%(limit)d). "
                    "Try again when one ends."
                )
                % {"limit": settings.LIVE_MAX_SESSIONS_PER_ORG},
                "live_limit",
                scope="organization",
            )
        if open_sessions.count() >= settings.LIVE_MAX_SESSIONS:
            raise ServiceError(
                _("The server is recording as many meetings live as it can. Try again later, or upload the recording."),
                "live_limit",
                scope="server",
            )
        return LiveSession.objects.create(meeting=meeting, owner=user)


# --- chunks -----------------------------------------------------------------------------------


def chunk_too_large():
    from django.template.defaultfilters import filesizeformat

    return ServiceError(
        _("A chunk may be at most %(limit)s.") % {"limit": filesizeformat(settings.LIVE_CHUNK_MAX_BYTES)},
        "too_large",
    )


def refuse_oversized_chunk(content_length):
    """Refuse a chunk whose declared length is over the limit before any of it is read."""
    if content_length > settings.LIVE_CHUNK_MAX_BYTES:
        raise chunk_too_large()


def read_chunk(stream, folder):
    """Read a chunk body from `stream` into a file in `folder`, at most LIVE_CHUNK_MAX_BYTES.
    Returns (path, size, sha256)."""
    path = Path(folder) / "chunk"
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        while block := stream.read(64 * 1024):
            size += len(block)
            if size > settings.LIVE_CHUNK_MAX_BYTES:
                raise chunk_too_large()
            digest.update(block)
            out.write(block)
    if size == 0:
        raise ServiceError(_("The chunk is empty."), "empty")
    return path, size, digest.hexdigest()


def receive_chunk(session, sequence, stream, content_type=""):
    """Store chunk `sequence` of `session` from the body `stream`. Returns (chunk, created): sending a
    chunk again is answered with the stored one (created False); different bytes under a sequence number
    already stored are a conflict."""
    if session.state != LiveState.RECORDING:
        raise _finished()
    with tempfile.TemporaryDirectory(prefix="nexochat-live-", dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
        path, size, sha256 = read_chunk(stream, folder)
        stored = LiveChunk.objects.filter(session=session, sequence=sequence).first()
        if stored is not None:
            return _same_chunk(stored, sha256), False
        try:
            info = probe(path)
        except MediaError as exc:
            raise ServiceError(str(exc), "invalid_media") from exc
        name = f"{session.storage_prefix}/{sequence:08d}{SUFFIXES.get(info.container, '.bin')}"
        try:
            with path.open("rb") as handle:
                name = default_storage.save(name, File(handle))
        except OSError as exc:
            logger.exception("storing chunk %s of live session %s failed", sequence, session.pk)
            if exc.errno == errno.ENOSPC:
                raise ServiceError(
                    _("The server's disk is full: this chunk was not stored. Every chunk received before it is kept."),
                    "storage_full",
                ) from exc
            raise _storage_unavailable() from exc
        except Exception as exc:
            logger.exception("storing chunk %s of live session %s failed", sequence, session.pk)
            raise _storage_unavailable() from exc
    try:
        with transaction.atomic():
            current = LiveSession.objects.select_for_update().get(pk=session.pk)
            if current.state != LiveState.RECORDING:
                raise _finished()
            chunk = LiveChunk.objects.create(
                session=current, sequence=sequence, size=size, duration=info.duration, sha256=sha256, file=name
            )
            fields = {"last_chunk_at": timezone.now()}
            if not current.container:
                fields.update(container=info.container[:32], mime_type=(content_type or "")[:100])
            LiveSession.objects.filter(pk=current.pk).update(**fields)
            transaction.on_commit(lambda: queue_transcription(current.pk))
    except IntegrityError:
        default_storage.delete(name)  # the same chunk, sent twice at once: the other request stored it
        return _same_chunk(LiveChunk.objects.get(session=session, sequence=sequence), sha256), False
    except Exception:
        default_storage.delete(name)
        raise
    return chunk, True


def _same_chunk(stored, sha256):
    if stored.sha256 != sha256:
        raise ServiceError(
            _("Chunk %(sequence)d was already received with different content.") % {"sequence": stored.sequence},
            "chunk_conflict",
        )
    return stored


def _finished():
    return ServiceError(_("This live recording has ended: it takes no more audio."), "live_finished")


def _storage_unavailable():
    return ServiceError(_("The chunk could not be stored. Please send it again later."), "storage_unavailable")


def missing_sequences(sequences):
    """The sequence numbers from 0 to the highest received that are not among `sequences`."""
    present = set(sequences)
    return [number for number in range(max(present) + 1) if number not in present] if present else []


def chunk_summary(session):
    chunks = list(session.chunks.order_by("sequence").values_list("sequence", "duration"))
    return {
        "count": len(chunks),
        "missing": missing_sequences([sequence for sequence, _duration in chunks]),
        "seconds": round(sum(duration for _sequence, duration in chunks), 3),
        "next_sequence": chunks[-1][0] + 1 if chunks else 0,
    }


# --- live transcription -------------------------------------------------------------------------


def _enqueue(func, session_id, task_name):
    from django_q.tasks import async_task

    q_options = {"task_name": task_name, "timeout": settings.JOB_TIMEOUT}
    if settings.LIVE_CLUSTER_NAME:
        q_options["cluster"] = settings.LIVE_CLUSTER_NAME
    return async_task(func, session_id, q_options=q_options)


def queue_transcription(session_id):
    return _enqueue("meetings.live.tasks.transcribe_live", session_id, f"live-text-{session_id}")


def take_transcription(session_id):
    """Claim the session's live transcription for this task; False when another task holds it."""
    now = timezone.now()
    claimable = Q(transcribing_since__isnull=True) | Q(transcribing_since__lt=now - TRANSCRIBING_STALE)
    return bool(
        LiveSession.objects.filter(claimable, pk=session_id, state=LiveState.RECORDING).update(transcribing_since=now)
    )


def release_transcription(session_id):
    LiveSession.objects.filter(pk=session_id).update(transcribing_since=None)


def contiguous_chunks(session):
    """The chunks from sequence 0 up to the first missing one, with where each starts (seconds)."""
    result = []
    start = 0.0
    for expected, chunk in enumerate(session.chunks.order_by("sequence")):
        if chunk.sequence != expected:
            break
        result.append((start, chunk))
        start += chunk.duration
    return result


def save_live_text(session_id, windows, offset, settled):
    """Append the transcribed windows (times from `offset`) and move the session's transcribed point."""
    with transaction.atomic():
        LiveText.objects.bulk_create(
            LiveText(
                session_id=session_id,
                start=round(offset + window.start, 3),
                end=round(offset + window.end, 3),
                text=window.text,
                words=[
                    {**word, "s": round(offset + word["s"], 3), "e": round(offset + word["e"], 3)}
                    for word in window.words
                ],
            )
            for window in windows
            if window.text
        )
        LiveSession.objects.filter(pk=session_id).update(transcribed_until=round(offset + settled, 3))


# --- finishing ----------------------------------------------------------------------------------


def request_finish(session, by_server=False):
    """Stop taking chunks and queue the join (on the live queue). Finishing again while it runs is a
    no-op; a failed join may be asked again. A session without any chunk is simply closed."""
    with transaction.atomic():
        current = LiveSession.objects.select_for_update().get(pk=session.pk)
        if current.state == LiveState.FINISHING:
            return current
        if current.state not in (LiveState.RECORDING, LiveState.FAILED):
            raise _finished()
        final_state = LiveState.ABANDONED if by_server else LiveState.DONE
        if not current.chunks.exists():
            current.state = final_state
            current.finished_at = timezone.now()
            current.finish_report = {"chunks": 0, "missing": [], "seconds": 0.0, "by_server": by_server}
            current.save(update_fields=["state", "finished_at", "finish_report"])
            return current
        current.state = LiveState.FINISHING
        current.failure_reason = ""
        current.finish_report = {"by_server": by_server, "requested_at": timezone.now().isoformat()}
        current.save(update_fields=["state", "failure_reason", "finish_report"])
        transaction.on_commit(
            lambda: _enqueue("meetings.live.tasks.join_live_session", current.pk, f"live-join-{current.pk}")
        )
    return current


def complete_finish(session_id):
    """Join a finishing session's chunks in sequence order, check the joined length against the chunks',
    and attach the result as the meeting's recording (which queues its processing). On any refusal the
    session is marked failed with the reason, and every chunk is kept."""
    from meetings.live.joining import join_chunks
    from meetings.recordings.services import attach_recording

    session = LiveSession.objects.select_related("meeting", "owner").filter(pk=session_id).first()
    if session is None or session.state != LiveState.FINISHING:
        return None
    chunks = list(session.chunks.order_by("sequence"))
    report = {
        **session.finish_report,
        "chunks": len(chunks),
        "missing": missing_sequences([chunk.sequence for chunk in chunks]),
        "seconds": round(sum(chunk.duration for chunk in chunks), 3),
    }
    try:
        with tempfile.TemporaryDirectory(prefix="nexochat-live-join-", dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
            paths = [local_path(chunk.file, folder) for chunk in chunks]
            joined = join_chunks(paths, folder)
            duration = probe(joined.path).duration
            report.update(method=joined.method, joined_seconds=duration)
            if abs(duration - report["seconds"]) > joined.tolerance:
                raise ServiceError(
                    _("The joined recording is %(joined).1f s long, but its chunks add up to %(chunks).1f s.")
                    % {"joined": duration, "chunks": report["seconds"]},
                    "join_mismatch",
                )
            upload = _as_upload(joined, session)
            try:
                recording, job = attach_recording(session.meeting, upload, session.owner)
            finally:
                upload.close()
    except (ServiceError, MediaError, OSError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        logger.warning("joining live session %s failed: %s", session_id, message)
        LiveSession.objects.filter(pk=session_id).update(
            state=LiveState.FAILED, failure_reason=message, finish_report=report
        )
        return None
    final_state = LiveState.ABANDONED if report.get("by_server") else LiveState.DONE
    report.update(recording=recording.pk, job=job.pk)
    LiveSession.objects.filter(pk=session_id).update(
        state=final_state, finished_at=timezone.now(), finish_report=report
    )
    _delete_chunk_files(chunks)
    return recording


def _as_upload(joined, session):
    name = f"live-{timezone.localtime(session.created_at):%Y%m%d-%H%M}{joined.suffix}"
    upload = TemporaryUploadedFile(name, joined.content_type, 0, None)
    with joined.path.open("rb") as source:
        shutil.copyfileobj(source, upload.file, 1024 * 1024)
    upload.file.flush()
    upload.size = upload.file.tell()
    upload.file.seek(0)
    return upload


def delete_chunk_files_on_commit(meeting):
    """The stored chunks of the meeting's live sessions are deleted once the transaction commits (the
    meeting is being deleted; a rollback keeps them)."""
    names = list(LiveChunk.objects.filter(session__meeting=meeting).exclude(file="").values_list("file", flat=True))
    if names:
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


def _delete_chunk_files(chunks):
    """The joined recording holds every chunk now; their files go, their rows stay as the record."""
    for chunk in chunks:
        try:
            chunk.file.delete(save=False)
        except Exception:
            logger.exception("could not delete live chunk %s", chunk.pk)
            continue
        LiveChunk.objects.filter(pk=chunk.pk).update(file="")


# --- sessions left open, drafts replaced --------------------------------------------------------


def idle_sessions(now=None):
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=settings.LIVE_ABANDON_SECONDS)
    return LiveSession.objects.filter(state=LiveState.RECORDING).filter(
        Q(last_chunk_at__lt=cutoff) | Q(last_chunk_at__isnull=True, created_at__lt=cutoff)
    )


def finish_idle_sessions(now=None):
    """Finish every session that has received nothing for LIVE_ABANDON_SECONDS, as its owner's finish
    would (it ends `abandoned`). Returns the ids."""
    finished = []
    for session in idle_sessions(now).order_by("pk"):
        try:
            request_finish(session, by_server=True)
        except ServiceError:  # finished by its owner meanwhile
            continue
        finished.append(session.pk)
    return finished


def requeue_stalled_joins(now=None):
    """Queue the join again for sessions left finishing longer than a task may run (their worker died
    mid-join: nothing was attached, every chunk is still there). Returns the ids."""
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=settings.JOB_TIMEOUT + 60)
    stalled = []
    for session in LiveSession.objects.filter(state=LiveState.FINISHING).order_by("pk"):
        requested = session.finish_report.get("requested_at")
        if requested and datetime.datetime.fromisoformat(requested) < cutoff:
            stalled.append(session.pk)
            _enqueue("meetings.live.tasks.join_live_session", session.pk, f"live-join-{session.pk}")
    return stalled


def drop_replaced_drafts(sessions=None):
    """Delete the live text of finished sessions (all, or those of the `sessions` queryset) whose meeting's
    processing is done: the meeting's transcript is the normal one from then on."""
    texts = LiveText.objects.all() if sessions is None else LiveText.objects.filter(session__in=sessions)
    deleted, _by_model = texts.filter(
        session__state__in=(LiveState.DONE, LiveState.ABANDONED), session__meeting__status=MeetingStatus.READY
    ).delete()
    return deleted
