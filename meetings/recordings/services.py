"""Write paths for recordings: an upload is checked (size, storage, probe, duplicates), stored and queued for
processing. The meeting pages and the API both call these, so they refuse the same files the same way."""

import contextlib
import hashlib
import logging
import os
import tempfile
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from meetings.models import Recording
from meetings.processing.services import queue_processing
from meetings.recordings.media import MediaError, needs_seek_index, probe, remux_with_seek_index
from meetings.recordings.uploads import storage_unavailable_message
from nexochat.errors import ServiceError

logger = logging.getLogger(__name__)

# Room for the multipart envelope around the file, so a file just under the limit is not refused by the
# Content-Length check; the upload handler enforces the exact limit on the file itself.
MULTIPART_OVERHEAD = 64 * 1024
# HTTP statuses of the refusals that are not plain bad requests (400).
UPLOAD_STATUS = {"too_large": 413, "duplicate": 409, "exists": 409, "storage_unavailable": 503}


def too_large():
    return ServiceError(
        _("The file is larger than the upload limit (%(limit)s).")
        % {"limit": filesizeformat(settings.MAX_UPLOAD_SIZE)},
        "too_large",
    )


def refuse_oversized_body(request):
    """Refuse a request whose body is over the limit before any of it is read."""
    try:
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        content_length = 0
    if content_length > settings.MAX_UPLOAD_SIZE + MULTIPART_OVERHEAD:
        raise too_large()


def uploaded_file(request, field):
    """The uploaded file of `field` (None when there is none), once the streaming upload handler
    (meetings/recordings/uploads.py) has read it; its refusals (a full disk or store, a file over the
    limit) become ServiceErrors."""
    upload = request.FILES.get(field)  # reading FILES runs the upload handler, which notes its refusals
    errors = getattr(request, "upload_errors", {}) or {}
    if "storage_unavailable" in errors.values():
        raise ServiceError(storage_unavailable_message(), "storage_unavailable")
    if errors:
        raise too_large()
    return upload


def clean_file_name(name):
    """Keep a readable original name for display; the stored file gets a random name anyway."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "recording"


def attach_recording(meeting, uploaded_file, user):
    """Validate an uploaded file, store it as the meeting's recording and queue its processing.

    On any refusal nothing is left behind: no row, no stored file."""
    if getattr(uploaded_file, "size", 0) == 0:
        raise ServiceError(_("The file is empty."), "empty")
    if uploaded_file.size > settings.MAX_UPLOAD_SIZE:
        raise too_large()
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
    indexed_path, indexed_info, log_note = _with_seek_index(path)
    try:
        return _store_recording(
            meeting,
            uploaded_file,
            user,
            original_name=original_name,
            sha256=sha256,
            info=indexed_info or info,
            indexed_path=indexed_path,
            log_note=log_note,
        )
    finally:
        if indexed_path:
            with contextlib.suppress(OSError):
                os.unlink(indexed_path)


def _store_recording(meeting, uploaded_file, user, *, original_name, sha256, info, indexed_path, log_note):
    """Save the file (the remuxed copy when there is one), its row and its processing job."""
    with contextlib.ExitStack() as stack:
        content = uploaded_file
        if indexed_path:
            content = File(stack.enter_context(open(indexed_path, "rb")), name=original_name)
        recording = Recording(
            meeting=meeting,
            original_name=original_name,
            content_type=(uploaded_file.content_type or "")[:100],
            size=content.size,
            duration=info.duration,
            sha256=sha256,  # of the uploaded bytes, so the same browser file uploaded again is a duplicate
            media_info=info.as_dict(),
            uploaded_by=user,
        )
        try:
            recording.file.save(original_name, content, save=False)
        except Exception as exc:
            # Disk full, object store down: the storage backend has removed any partial object.
            logger.exception("storing the recording of meeting %s failed", meeting.pk)
            raise ServiceError(storage_unavailable_message(), "storage_unavailable") from exc
    try:
        with transaction.atomic():
            recording.save()
            job = queue_processing(meeting, kind="process")
            if log_note:
                job.add_log(log_note)
    except Exception:
        recording.file.delete(save=False)
        raise
    return recording, job


def _with_seek_index(path):
    """A browser recording streamed without a duration or seek index gets both by a remux (no re-encoding)
    into a temporary file next to the upload: (that file's path, its MediaInfo, a line for the job log).
    Any other file, or one the remux fails on, is stored as uploaded: (None, None, the log line or "")."""
    if not needs_seek_index(path):
        return None, None, ""
    handle, target = tempfile.mkstemp(prefix="indexed-", suffix=Path(path).suffix, dir=os.path.dirname(path))
    os.close(handle)
    try:
        remux_with_seek_index(path, target)
        info = probe(target, decode_seconds=5)
    except (MediaError, OSError) as exc:
        with contextlib.suppress(OSError):
            os.unlink(target)
        logger.warning("remuxing an upload for its seek index failed: %s", exc)
        return None, None, f"seek index: the remux failed ({exc}); the recording is stored as uploaded"
    return target, info, f"seek index: duration ({info.duration:.2f} s) and cues written by a remux, no re-encoding"


def _sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
