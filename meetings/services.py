"""Write paths for meetings themselves: create, edit, tag, delete (with everything that hangs off them).
Recordings are meetings/recordings/services.py; processing jobs meetings/processing/services.py."""

import logging

from django.db import transaction

from .models import Meeting, Tag

logger = logging.getLogger(__name__)


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
        created_by=user,
    )
    set_tags(meeting, tags)
    _set_participants(meeting, participants, external_participants)
    return meeting


def _set_participants(meeting, participants, external_participants):
    """The meeting form's participants (members) and other participants (text: `name`, `name <email>` or
    an email, comma-separated) are the meeting's attendees; None keeps the guests as they are."""
    from meetings.conference.attendees import Guest, parse_guests, set_attendees

    if external_participants is None:
        guests = [Guest(a.email, a.name) for a in meeting.attendees.filter(user__isnull=True)]
    else:
        guests = parse_guests(external_participants)
    set_attendees(meeting, [getattr(p, "pk", p) for p in participants], guests)


@transaction.atomic
def update_meeting(
    meeting, *, title, held_at, language, description="", tags=(), participants=(), external_participants=None
):
    meeting.title = title
    meeting.held_at = held_at
    meeting.language = language
    meeting.description = description
    meeting.save(update_fields=["title", "held_at", "language", "description", "updated_at"])
    set_tags(meeting, tags)
    _set_participants(meeting, participants, external_participants)
    return meeting


def can_delete_meeting(user, membership, meeting):
    """The meeting's creator, or an owner/admin of its organization."""
    if membership is None or membership.organization_id != meeting.organization_id:
        return False
    return membership.is_admin or (meeting.created_by_id is not None and meeting.created_by_id == user.pk)


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
    caches told; the audio file (and any live recording's chunks) goes once the transaction commits (a
    rollback keeps it)."""
    from accounts import audit
    from meetings.live.services import delete_chunk_files_on_commit
    from meetings.search.indexing import remove_meeting

    recording = meeting.recording
    stored_name = recording.file.name if recording else None
    storage = recording.file.storage if recording else None
    with transaction.atomic():
        audit.record(user, meeting.organization, "meeting.delete", meeting, title=meeting.title)
        remove_meeting(meeting)
        _drop_answers_citing(meeting)
        delete_chunk_files_on_commit(meeting)
        meeting.delete()
    if stored_name:
        transaction.on_commit(lambda: storage.delete(stored_name))
