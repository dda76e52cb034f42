"""Which diarized speaker is which attendee: guesses from the transcript, and the confirmation that
names the speaker after the attendee (and assigns that attendee's action items)."""

import re
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.conference.attendees import attendees_of
from meetings.models import ActionItem, Attendee, Decision, Speaker
from nexochat.errors import ServiceError


def normalize_name(text):
    """A name as compared: lower case, without spaces or punctuation."""
    return re.sub(r"\W+", "", (text or "").lower())


def name_variants(attendee):
    """Ways people say an attendee's name: the full name, a Korean given name (박민수 → 민수), an English
    first name, and an email's local part."""
    names = set()
    full = attendee.user.name if attendee.user_id else attendee.name
    for raw in (full, attendee.display_name):
        key = normalize_name(raw)
        if len(key) >= 2:
            names.add(key)
    if full:
        parts = full.split()
        if len(parts) > 1 and len(normalize_name(parts[0])) >= 2:
            names.add(normalize_name(parts[0]))
        compact = normalize_name(full)
        if re.fullmatch(r"[가-힣]{3}", compact):
            names.add(compact[1:])
    local = (attendee.address or "").split("@")[0]
    if len(normalize_name(local)) >= 3 and not full:
        names.add(normalize_name(local))
    return names


def unassigned_items_named_for(attendee, items):
    """The action items without an assignee whose owner, as the minutes wrote it, is this attendee."""
    names = name_variants(attendee)
    return [item for item in items if item.assignee_id is None and normalize_name(item.owner_name) in names]


_INTRO = (
    "저는{n}",
    "제가{n}",
    "{n}입니다",
    "{n}이에요",
    "{n}예요",
    "{n}이라고",
    "{n}라고합니다",
    "im{n}",
    "iam{n}",
    "mynameis{n}",
    "thisis{n}",
)


def suggest_speakers(meeting):
    """{speaker_id: attendee_id} guessed from the transcript: a speaker already mapped to a member or named
    like an attendee, people introducing themselves ("저는 박민수입니다"), and the speaker who answers right
    after someone addresses an attendee by name."""
    speakers = list(Speaker.objects.filter(meeting=meeting).select_related("member"))
    attendees = attendees_of(meeting)
    segments = list(meeting.segments.order_by("position").values_list("speaker_id", "text"))
    scores = defaultdict(float)
    for attendee in attendees:
        names = name_variants(attendee)
        for speaker in speakers:
            if attendee.speaker_id == speaker.pk:
                scores[(speaker.pk, attendee.pk)] += 20
            if attendee.user_id and speaker.member_id == attendee.user_id:
                scores[(speaker.pk, attendee.pk)] += 10
            if speaker.name and normalize_name(speaker.name) in names:
                scores[(speaker.pk, attendee.pk)] += 8
        for index, (speaker_id, text) in enumerate(segments):
            compact = normalize_name(text)
            for name in names:
                if name not in compact:
                    continue
                if speaker_id and any(p.format(n=name) in compact for p in _INTRO):
                    scores[(speaker_id, attendee.pk)] += 5
                    continue
                answer = next((s for s, _t in segments[index + 1 : index + 3] if s and s != speaker_id), None)
                if answer:
                    scores[(answer, attendee.pk)] += 1
    suggestion, used_speakers, used_attendees = {}, set(), set()
    for (speaker_id, attendee_id), _score in sorted(scores.items(), key=lambda kv: -kv[1]):
        if speaker_id in used_speakers or attendee_id in used_attendees:
            continue
        suggestion[speaker_id] = attendee_id
        used_speakers.add(speaker_id)
        used_attendees.add(attendee_id)
    return suggestion


@transaction.atomic
def confirm_speakers(meeting, mapping):
    """Save {speaker_id: attendee_id or None}. A member attendee becomes the speaker's member (so minutes
    items said by that speaker name them); a guest's name becomes the speaker's name."""
    speakers = {s.pk: s for s in Speaker.objects.filter(meeting=meeting)}
    attendees = {a.pk: a for a in attendees_of(meeting)}
    chosen = {}
    for speaker_id, attendee_id in mapping.items():
        if int(speaker_id) not in speakers or (attendee_id and int(attendee_id) not in attendees):
            raise ServiceError(_("Unknown speaker or attendee."), "unknown_speaker")
        if attendee_id:
            if int(attendee_id) in chosen.values():
                raise ServiceError(_("Each attendee can be only one speaker."), "duplicate")
            chosen[int(speaker_id)] = int(attendee_id)
    now = timezone.now()
    Attendee.objects.filter(meeting=meeting, speaker_id__in=[int(s) for s in mapping]).update(
        speaker=None, speaker_confirmed_at=None
    )
    for speaker_id, attendee_id in chosen.items():
        speaker, attendee = speakers[speaker_id], attendees[attendee_id]
        Attendee.objects.filter(meeting=meeting, speaker=speaker).update(speaker=None, speaker_confirmed_at=None)
        Attendee.objects.filter(pk=attendee.pk).update(speaker=speaker, speaker_confirmed_at=now)
        if attendee.user_id:
            speaker.member_id = attendee.user_id
            speaker.save(update_fields=["member"])
            Decision.objects.filter(meeting=meeting, speaker=speaker).update(member_id=attendee.user_id)
            unassigned = ActionItem.objects.filter(meeting=meeting, assignee__isnull=True).exclude(owner_name="")
            named = unassigned_items_named_for(attendee, unassigned)
            ActionItem.objects.filter(pk__in=[item.pk for item in named]).update(assignee_id=attendee.user_id)
        elif not speaker.name:
            speaker.name = attendee.display_name[:100]
            speaker.save(update_fields=["name"])
    return chosen
