"""Write paths and queries for conference management (issue #6): scheduling with agenda and attendees,
recurring series, speaker↔attendee confirmation, the action-item tracker, the decision log, sharing,
the private calendar feed and the dashboard. Views and the API call these; every query starts from
meetings.access.meetings_for, so visibility and organization isolation hold everywhere."""

import calendar
import datetime
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.access import membership_in
from accounts.models import User
from accounts.timezones import valid_zone_names, zone_for
from meetings import services
from meetings.access import jobs_for, meetings_for
from meetings.models import (
    ActionItem,
    AgendaItem,
    Attendee,
    Decision,
    ItemStatus,
    JobState,
    Meeting,
    MeetingStatus,
    Recurrence,
    Series,
    ShareLink,
    Speaker,
    UserPreference,
    Visibility,
)
from nexochat.errors import ServiceError

OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
MAX_OCCURRENCES = 52
MAX_AGENDA = 50
MAX_GUESTS = 200
SHARE_MAX_DAYS = 90


# --- time zones ------------------------------------------------------------------------------


# --- permissions -----------------------------------------------------------------------------


def membership_for(user, organization_id):
    return membership_in(user, organization_id)


def can_manage(user, meeting):
    """Sharing, visibility, recaps and superseding: the meeting's creator or an owner/admin."""
    return services.can_delete_meeting(user, membership_for(user, meeting.organization_id), meeting)


def can_change_item(user, item):
    """An action item's status: its assignee, the meeting's creator or an owner/admin."""
    return item.assignee_id == user.pk or can_manage(user, item.meeting)


def members_of(organization):
    return User.objects.filter(memberships__organization=organization).order_by("name", "email")


def _members_by_id(organization, ids):
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    found = {user.pk: user for user in members_of(organization).filter(pk__in=ids)}
    unknown = [pk for pk in ids if pk not in found]
    if unknown:
        raise ServiceError(
            _("These users are not members of the organization: %(ids)s") % {"ids": ", ".join(map(str, unknown))},
            "not_member",
        )
    return [found[pk] for pk in ids]


# --- scheduling ------------------------------------------------------------------------------


@dataclass
class Guest:
    email: str
    name: str = ""


def parse_guests(text):
    """Guests from text, one per line or comma-separated: `name <email>` or just `email`."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    guests = []
    for raw in re.split(r"[\n,;]+", text or ""):
        raw = raw.strip()
        if not raw:
            continue
        match = re.fullmatch(r"(.*?)\s*<([^<>]+)>", raw)
        name, email = (match.group(1).strip().strip('"'), match.group(2).strip()) if match else ("", raw)
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ServiceError(_("Not an email address: %(value)s") % {"value": raw[:100]}, "invalid_email") from exc
        guests.append(Guest(email=email.lower(), name=name[:150]))
    return guests


def format_guests(meeting):
    return "\n".join(
        f"{a.name} <{a.email}>" if a.name else a.email for a in meeting.attendees.filter(user__isnull=True)
    )


def set_agenda(meeting, items):
    """Replace the agenda. `items` are titles or dicts with title, notes and duration_minutes."""
    rows = []
    for position, item in enumerate(items):
        item = {"title": item} if isinstance(item, str) else dict(item)
        title = (item.get("title") or "").strip()[:300]
        if not title:
            continue
        rows.append(
            AgendaItem(
                meeting=meeting,
                position=position,
                title=title,
                notes=(item.get("notes") or "").strip(),
                duration_minutes=item.get("duration_minutes") or None,
            )
        )
    if len(rows) > MAX_AGENDA:
        raise ServiceError(_("An agenda can have at most %(n)s items.") % {"n": MAX_AGENDA}, "too_many")
    AgendaItem.objects.filter(meeting=meeting).delete()
    AgendaItem.objects.bulk_create(rows)


def set_attendees(meeting, member_ids=(), guests=()):
    """Replace the attendees. Rows for people already invited are kept, so a confirmed speaker stays."""
    members = _members_by_id(meeting.organization, member_ids)
    guests = list({g.email.lower(): g for g in guests}.values())
    if len(guests) > MAX_GUESTS:
        raise ServiceError(_("Too many guests."), "too_many")
    member_emails = {user.email.lower() for user in members}
    guests = [g for g in guests if g.email.lower() not in member_emails]
    existing = list(meeting.attendees.all())
    keep = set()
    for user in members:
        row = next((a for a in existing if a.user_id == user.pk), None) or Attendee.objects.create(
            meeting=meeting, user=user
        )
        keep.add(row.pk)
    for guest in guests:
        row = next((a for a in existing if a.user_id is None and a.email.lower() == guest.email), None)
        if row is None:
            row = Attendee.objects.create(meeting=meeting, email=guest.email, name=guest.name)
        elif guest.name and row.name != guest.name:
            row.name = guest.name
            row.save(update_fields=["name"])
        keep.add(row.pk)
    meeting.attendees.exclude(pk__in=keep).delete()
    meeting.participants.set(members)


def attendees_of(meeting):
    """Attendee rows, including members ticked as participants on the plain meeting form."""
    have = set(meeting.attendees.filter(user__isnull=False).values_list("user_id", flat=True))
    missing = [pk for pk in meeting.participants.values_list("pk", flat=True) if pk not in have]
    if missing:
        Attendee.objects.bulk_create([Attendee(meeting=meeting, user_id=pk) for pk in missing], ignore_conflicts=True)
    return list(meeting.attendees.select_related("user", "speaker"))


def _local_shift(moment, zone, recurrence, n):
    """The n-th repetition of `moment`, keeping its local wall-clock time in `zone`."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    if recurrence == Recurrence.WEEKLY:
        local += datetime.timedelta(weeks=n)
    elif recurrence == Recurrence.BIWEEKLY:
        local += datetime.timedelta(weeks=2 * n)
    elif recurrence == Recurrence.MONTHLY:
        month_index = local.month - 1 + n
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        local = local.replace(year=year, month=month, day=day)
    return local.replace(tzinfo=zone)


def create_series(organization, user, *, name, recurrence=Recurrence.WEEKLY, description=""):
    name = (name or "").strip()[:200]
    if not name:
        raise ServiceError(_("A series needs a name."), "invalid")
    if recurrence not in Recurrence.values:
        raise ServiceError(_("Unknown recurrence."), "invalid")
    return Series.objects.create(
        organization=organization, name=name, recurrence=recurrence, description=description, created_by=user
    )


def series_for(user, organization=None):
    from accounts.access import organizations_for

    queryset = Series.objects.filter(organization__in=organizations_for(user))
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset


def _check_series(organization, series):
    if series is not None and series.organization_id != organization.pk:
        raise ServiceError(_("Choose a series of this organization."), "invalid_series")


def _clean_duration(value):
    value = int(value or 60)
    if not 1 <= value <= 24 * 60:
        raise ServiceError(_("A meeting lasts between 1 minute and 24 hours."), "invalid_duration")
    return value


@transaction.atomic
def schedule_meeting(
    organization,
    user,
    *,
    title,
    held_at,
    duration_minutes=60,
    location="",
    video_link="",
    language="ko",
    description="",
    series=None,
    agenda=(),
    member_ids=(),
    guests=(),
    occurrences=1,
):
    """Create a meeting before it happens. With a series and occurrences > 1, the next ones follow at the
    series' interval, each with the same agenda and attendees. Returns the meetings created."""
    _check_series(organization, series)
    duration_minutes = _clean_duration(duration_minutes)
    occurrences = int(occurrences or 1)
    if not 1 <= occurrences <= MAX_OCCURRENCES:
        raise ServiceError(_("Between 1 and %(n)s meetings at once.") % {"n": MAX_OCCURRENCES}, "invalid")
    if occurrences > 1 and (series is None or series.recurrence == Recurrence.NONE):
        raise ServiceError(_("Choose a repeating series to schedule several meetings."), "invalid_series")
    members = _members_by_id(organization, member_ids)
    zone = zone_for(user)
    created = []
    for n in range(occurrences):
        when = _local_shift(held_at, zone, series.recurrence, n) if n else held_at
        meeting = services.create_meeting(
            organization, user, title=title, held_at=when, language=language, description=description
        )
        meeting.duration_minutes = duration_minutes
        meeting.location = (location or "").strip()[:200]
        meeting.video_link = (video_link or "").strip()[:500]
        meeting.series = series
        meeting.save(update_fields=["duration_minutes", "location", "video_link", "series", "updated_at"])
        set_agenda(meeting, agenda)
        set_attendees(meeting, [u.pk for u in members], guests)
        created.append(meeting)
    return created


@transaction.atomic
def update_schedule(
    meeting,
    *,
    title=None,
    held_at=None,
    duration_minutes=None,
    location=None,
    video_link=None,
    series=...,
    agenda=None,
    member_ids=None,
    guests=None,
):
    """Change what was sent; None (or ... for series) keeps the current value."""
    changes = {
        "title": title.strip()[:200] if title is not None else None,
        "held_at": held_at,
        "duration_minutes": _clean_duration(duration_minutes) if duration_minutes is not None else None,
        "location": location.strip()[:200] if location is not None else None,
        "video_link": video_link.strip()[:500] if video_link is not None else None,
    }
    fields = ["updated_at"]
    for name, value in changes.items():
        if value is not None:
            setattr(meeting, name, value)
            fields.append(name)
    if series is not ...:
        _check_series(meeting.organization, series)
        meeting.series = series
        fields.append("series")
    meeting.save(update_fields=fields)
    if agenda is not None:
        set_agenda(meeting, agenda)
    if member_ids is not None or guests is not None:
        current = attendees_of(meeting)
        if member_ids is None:
            member_ids = [a.user_id for a in current if a.user_id]
        if guests is None:
            guests = [Guest(a.email, a.name) for a in current if a.user_id is None]
        set_attendees(meeting, member_ids, guests)
    return meeting


def previous_in_series(meeting):
    if meeting.series_id is None:
        return None
    return (
        Meeting.objects.filter(series_id=meeting.series_id, held_at__lt=meeting.held_at)
        .exclude(pk=meeting.pk)
        .order_by("-held_at", "-id")
        .first()
    )


def carried_action_items(meeting, user):
    """Open action items from earlier meetings of the series: they are on this meeting's agenda until done."""
    if meeting.series_id is None:
        return ActionItem.objects.none()
    return (
        ActionItem.objects.filter(
            meeting__in=meetings_for(user),
            meeting__series_id=meeting.series_id,
            meeting__held_at__lt=meeting.held_at,
            status__in=OPEN_STATUSES,
        )
        .exclude(meeting=meeting)
        .select_related("meeting", "assignee")
        .order_by("meeting__held_at", "position")
    )


# --- speaker ↔ attendee ----------------------------------------------------------------------


def _norm(text):
    return re.sub(r"\W+", "", (text or "").lower())


def name_variants(attendee):
    """Ways people say an attendee's name: the full name, a Korean given name (박민수 → 민수), an English
    first name, and an email's local part."""
    names = set()
    full = attendee.user.name if attendee.user_id else attendee.name
    for raw in (full, attendee.display_name):
        key = _norm(raw)
        if len(key) >= 2:
            names.add(key)
    if full:
        parts = full.split()
        if len(parts) > 1 and len(_norm(parts[0])) >= 2:
            names.add(_norm(parts[0]))
        compact = _norm(full)
        if re.fullmatch(r"[가-힣]{3}", compact):
            names.add(compact[1:])
    local = (attendee.address or "").split("@")[0]
    if len(_norm(local)) >= 3 and not full:
        names.add(_norm(local))
    return names


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
            if speaker.name and _norm(speaker.name) in names:
                scores[(speaker.pk, attendee.pk)] += 8
        for index, (speaker_id, text) in enumerate(segments):
            compact = _norm(text)
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
            raise ServiceError(_("Unknown speaker or attendee."), "invalid")
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
            names = name_variants(attendee)
            for item in ActionItem.objects.filter(meeting=meeting, assignee__isnull=True).exclude(owner_name=""):
                if _norm(item.owner_name) in names:
                    ActionItem.objects.filter(pk=item.pk).update(assignee_id=attendee.user_id)
        elif not speaker.name:
            speaker.name = attendee.display_name[:100]
            speaker.save(update_fields=["name"])
    return chosen


# --- action items ----------------------------------------------------------------------------


def action_items_for(user, organization=None):
    return ActionItem.objects.filter(meeting__in=meetings_for(user, organization)).select_related(
        "meeting", "meeting__series", "assignee"
    )


def local_today(user):
    return timezone.now().astimezone(zone_for(user)).date()


def filter_action_items(queryset, user, *, assignee="", status="", due="", meeting=None, series=None, q=""):
    """assignee: "me", "none" or a user id; status: an ItemStatus or "active" (open or in progress);
    due: "overdue", "week" (within 7 days) or "none" (no due date)."""
    today = local_today(user)
    if assignee == "me":
        queryset = queryset.filter(assignee=user)
    elif assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif str(assignee).isdigit():
        queryset = queryset.filter(assignee_id=int(assignee))
    if status == "active":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in ItemStatus.values:
        queryset = queryset.filter(status=status)
    if due == "overdue":
        queryset = queryset.filter(due_date__lt=today, status__in=OPEN_STATUSES)
    elif due == "week":
        queryset = queryset.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=7))
    elif due == "none":
        queryset = queryset.filter(due_date__isnull=True)
    if meeting:
        queryset = queryset.filter(meeting_id=meeting)
    if series:
        queryset = queryset.filter(meeting__series_id=series)
    if q:
        queryset = queryset.filter(Q(text__icontains=q) | Q(owner_name__icontains=q))
    return queryset.order_by(models_nulls_last("due_date"), "-meeting__held_at", "position")


def models_nulls_last(field):
    from django.db.models import F

    return F(field).asc(nulls_last=True)


def is_overdue(item, today):
    return item.due_date is not None and item.due_date < today and item.status in OPEN_STATUSES


def set_item_status(item, status):
    if status not in ItemStatus.values:
        raise ServiceError(_("Unknown status."), "invalid_status")
    item.status = status
    item.save(update_fields=["status", "updated_at"])
    return item


# --- decisions -------------------------------------------------------------------------------


def decisions_for(user, organization=None):
    return Decision.objects.filter(meeting__in=meetings_for(user, organization)).select_related(
        "meeting", "meeting__series", "member", "speaker", "speaker__member", "superseded_by", "superseded_by__meeting"
    )


def filter_decisions(queryset, *, q="", meeting=None, series=None, include_superseded=True):
    if q:
        queryset = queryset.filter(Q(text__icontains=q) | Q(speaker_name__icontains=q) | Q(meeting__title__icontains=q))
    if meeting:
        queryset = queryset.filter(meeting_id=meeting)
    if series:
        queryset = queryset.filter(meeting__series_id=series)
    if not include_superseded:
        queryset = queryset.filter(superseded_by__isnull=True)
    return queryset.order_by("-meeting__held_at", "meeting_id", "position")


def moment_url(item):
    """The meeting page at the moment the item was said (?t=seconds)."""
    from django.urls import reverse

    url = reverse("meetings:detail", args=[item.meeting_id])
    return f"{url}?t={int(item.start)}" if item.start is not None else url


def supersede(earlier, later):
    """Mark `later` as replacing `earlier`. Both must be in one organization; no cycles."""
    if earlier.pk == later.pk:
        raise ServiceError(_("A decision cannot supersede itself."), "invalid")
    if earlier.meeting.organization_id != later.meeting.organization_id:
        raise ServiceError(_("Unknown decision."), "invalid")
    if later.meeting.held_at < earlier.meeting.held_at:
        raise ServiceError(_("Only a later decision can supersede an earlier one."), "not_later")
    step, seen = later, set()
    while step is not None and step.pk not in seen:
        if step.pk == earlier.pk:
            raise ServiceError(_("That would make a loop of decisions."), "cycle")
        seen.add(step.pk)
        step = step.superseded_by
    earlier.superseded_by = later
    earlier.save(update_fields=["superseded_by", "updated_at"])
    return earlier


def clear_supersede(decision):
    decision.superseded_by = None
    decision.save(update_fields=["superseded_by", "updated_at"])
    return decision


# --- sharing ---------------------------------------------------------------------------------


@transaction.atomic
def set_visibility(meeting, visibility, member_ids=(), user=None):
    if visibility not in Visibility.values:
        raise ServiceError(_("Unknown visibility."), "invalid")
    members = _members_by_id(meeting.organization, member_ids) if visibility == Visibility.SELECTED else []
    old = meeting.visibility
    meeting.visibility = visibility
    meeting.save(update_fields=["visibility", "updated_at"])
    meeting.allowed_members.set(members)
    audit.record(
        user,
        meeting.organization,
        "meeting.visibility",
        meeting,
        old=old,
        new=visibility,
        members=sorted(m.pk for m in members),
    )
    return meeting


def create_share_link(meeting, user, days=7):
    days = int(days)
    if not 1 <= days <= SHARE_MAX_DAYS:
        raise ServiceError(_("A link lasts between 1 and %(n)s days.") % {"n": SHARE_MAX_DAYS}, "invalid")
    link = ShareLink.objects.create(
        meeting=meeting, created_by=user, expires_at=timezone.now() + datetime.timedelta(days=days)
    )
    audit.record(user, meeting.organization, "share_link.create", link, meeting=meeting.pk, days=days)
    return link


def revoke_share_link(link, user=None):
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record(user, link.meeting.organization, "share_link.revoke", link, meeting=link.meeting_id)
    return link


def share_link_for_token(token):
    """The active link with that token, or None (unknown, expired and revoked alike)."""
    if not token or len(token) > 64:
        return None
    link = ShareLink.objects.filter(token=token).select_related("meeting", "meeting__organization").first()
    if link is None or not link.is_active or not secrets.compare_digest(link.token, token):
        return None
    return link


def touch_share_link(link):
    ShareLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())


# --- preferences and calendar feed -----------------------------------------------------------


def preference_for(user):
    preference, _created = UserPreference.objects.get_or_create(user=user)
    return preference


def set_recap_emails(user, enabled):
    preference = preference_for(user)
    preference.recap_emails = bool(enabled)
    preference.save(update_fields=["recap_emails"])
    return preference


def set_timezone(user, name):
    if name not in valid_zone_names():
        raise ServiceError(_("Unknown time zone."), "invalid_timezone")
    user.timezone = name
    user.save(update_fields=["timezone"])
    return user


def reset_feed_token(user):
    """A new secret feed address; the old one stops working at once."""
    preference = preference_for(user)
    preference.feed_token = secrets.token_urlsafe(32)
    preference.feed_created_at = timezone.now()
    preference.save(update_fields=["feed_token", "feed_created_at"])
    return preference


def revoke_feed_token(user):
    preference = preference_for(user)
    preference.feed_token = None
    preference.feed_created_at = None
    preference.save(update_fields=["feed_token", "feed_created_at"])
    return preference


def user_for_feed_token(token):
    if not token or len(token) > 64:
        return None
    preference = UserPreference.objects.filter(feed_token=token).select_related("user").first()
    if preference is None or not preference.user.is_active:
        return None
    return preference.user


def feed_meetings(user):
    """The user's meetings for their calendar feed: those they attend or created, from 90 days ago on."""
    since = timezone.now() - datetime.timedelta(days=90)
    attending = Attendee.objects.filter(user=user).values("meeting_id")
    return (
        meetings_for(user)
        .filter(Q(pk__in=attending) | Q(participants=user) | Q(created_by=user), held_at__gte=since)
        .distinct()
        .select_related("organization")
        .prefetch_related("agenda_items", "attendees__user")
        .order_by("held_at")[:500]
    )


# --- calendar and dashboard ------------------------------------------------------------------


def meetings_between(user, organization, start, end):
    return (
        meetings_for(user, organization)
        .filter(held_at__gte=start, held_at__lt=end)
        .select_related("series")
        .order_by("held_at", "id")
    )


def month_weeks(year, month, zone):
    """[[date × 7]] covering the month, weeks starting on Monday, and the [start, end) instants."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start = datetime.datetime.combine(weeks[0][0], datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(weeks[-1][-1] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return weeks, start, end


def by_local_day(meetings, zone):
    days = defaultdict(list)
    for meeting in meetings:
        days[meeting.held_at.astimezone(zone).date()].append(meeting)
    return days


def dashboard(user, organization):
    now = timezone.now()
    visible = meetings_for(user, organization)
    return {
        "upcoming": list(
            visible.filter(held_at__gte=now - datetime.timedelta(hours=1))
            .exclude(status__in=[MeetingStatus.READY])
            .select_related("series")
            .order_by("held_at")[:10]
        ),
        "my_items": list(
            action_items_for(user, organization)
            .filter(assignee=user, status__in=OPEN_STATUSES)
            .order_by(models_nulls_last("due_date"), "-meeting__held_at")[:20]
        ),
        "recent": list(visible.filter(status=MeetingStatus.READY).order_by("-updated_at")[:8]),
        "queue": list(
            jobs_for(user)
            .filter(meeting__organization=organization, state__in=[JobState.QUEUED, JobState.RUNNING])
            .select_related("meeting")
            .order_by("created_at")[:20]
        ),
        "today": local_today(user),
    }
