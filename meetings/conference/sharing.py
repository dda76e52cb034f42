"""Who sees a meeting inside the organization (everyone, or selected members), and read-only guest links
with an expiry for people outside it. Every change is written to the audit log."""

import datetime
import secrets

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from meetings.conference.permissions import members_by_id
from meetings.models import ShareLink, Visibility
from nexochat.errors import ServiceError

SHARE_MAX_DAYS = 90


@transaction.atomic
def set_visibility(meeting, visibility, member_ids=(), user=None):
    if visibility not in Visibility.values:
        raise ServiceError(_("Unknown visibility."), "invalid")
    members = members_by_id(meeting.organization, member_ids) if visibility == Visibility.SELECTED else []
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


def share_link_of(meeting, link_id):
    """One of the meeting's links, or 404."""
    link = meeting.share_links.filter(pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    return link


def revoke_share_link(link, user=None):
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record(user, link.meeting.organization, "share_link.revoke", link, meeting=link.meeting_id)
    return link


def share_url(request, link):
    """The guest page's full address, to hand to someone outside the organization."""
    return request.build_absolute_uri(reverse("conference:share_view", args=[link.token]))


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
