"""Import meetings from the evaluation corpus format (one JSON object per line):
{"id", "title", "date", "speakers": [...], "turns": [{"speaker", "text"}], "source"}.

Each turn becomes one segment whose position is its 0-based index; the corpus has no times, so
segment times are estimated from the text length (about 7 characters a second)."""

import json
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from ai_pipeline.models import MeetingSource
from meetings.models import Meeting, MeetingStatus, Segment, Speaker

CHARS_PER_SECOND = 7.0


def external_ids(meeting_ids):
    """{meeting id: external id} for imported meetings (others are left out)."""
    rows = MeetingSource.objects.filter(meeting_id__in=list(meeting_ids)).values_list("meeting_id", "external_id")
    return dict(rows)


def get_or_create_organization(slug):
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        organization = Organization.objects.create(name=slug, slug=slug)
    return organization


def _held_at(value):
    if not value:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return timezone.now()
    if isinstance(moment, datetime) and moment.time() == time(0) and len(str(value)) <= 10:
        moment = datetime.combine(moment.date(), time(0))
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def already_imported(organization, record):
    """The meeting this record was imported as, when it holds exactly the record's title, date, speakers and
    turns and is indexed: an import that stopped half-way starts again after it instead of redoing it."""
    source = (
        MeetingSource.objects.select_related("meeting")
        .filter(organization=organization, external_id=str(record["id"]))
        .first()
    )
    if source is None:
        return None
    meeting = source.meeting
    if meeting.title != (record.get("title") or str(record["id"]))[:200] or not meeting.passages.exists():
        return None
    if record.get("date") and meeting.held_at != _held_at(record.get("date")):
        return None
    turns = [((t.get("speaker") or "")[:100], t.get("text") or "") for t in record.get("turns") or []]
    stored = [
        (name or "", text)
        for name, text in meeting.segments.order_by("position").values_list("speaker__name", "original_text")
    ]
    return meeting if stored == turns else None


@transaction.atomic
def import_meeting(organization, record):
    """Create (or replace, by external id) one meeting with its speakers and segments.
    Returns (meeting, created)."""
    external_id = str(record["id"])
    source = (
        MeetingSource.objects.select_related("meeting")
        .filter(organization=organization, external_id=external_id)
        .first()
    )
    fields = {
        "title": (record.get("title") or external_id)[:200],
        "held_at": _held_at(record.get("date")),
        "status": MeetingStatus.READY,
    }
    if source is None:
        meeting = Meeting.objects.create(organization=organization, **fields)
        MeetingSource.objects.create(
            meeting=meeting,
            organization=organization,
            external_id=external_id,
            source=str(record.get("source") or "")[:200],
        )
        created = True
    else:
        meeting = source.meeting
        for name, value in fields.items():
            setattr(meeting, name, value)
        meeting.save(update_fields=[*fields, "updated_at"])
        meeting.segments.all().delete()
        meeting.speakers.all().delete()
        created = False

    names = list(
        dict.fromkeys([*(record.get("speakers") or []), *(t.get("speaker") or "" for t in record.get("turns") or [])])
    )
    names = [n for n in names if n]
    speakers = {name: Speaker(meeting=meeting, label=f"S{i}", name=name[:100]) for i, name in enumerate(names, start=1)}
    Speaker.objects.bulk_create(speakers.values())
    segments, clock = [], 0.0
    for position, turn in enumerate(record.get("turns") or []):
        text = turn.get("text") or ""
        duration = max(1.0, round(len(text) / CHARS_PER_SECOND, 2))
        segments.append(
            Segment(
                meeting=meeting,
                position=position,
                speaker=speakers.get(turn.get("speaker") or ""),
                start=round(clock, 2),
                end=round(clock + duration, 2),
                text=text,
                original_text=text,
            )
        )
        clock += duration
    Segment.objects.bulk_create(segments, batch_size=1000)
    return meeting, created


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: not JSON ({exc})") from exc
