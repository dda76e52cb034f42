"""Who may do what in conference management, and which users count as an organization's members.

Seeing a meeting is decided by meetings.access; these rules decide what someone who sees it may change."""

from django.utils.translation import gettext as _

from accounts.access import membership_in
from accounts.models import User
from meetings.services import can_delete_meeting
from nexochat.errors import ServiceError


def can_manage(user, meeting):
    """Sharing, visibility, recaps and superseding: the meeting's creator or an owner/admin."""
    return can_delete_meeting(user, membership_in(user, meeting.organization_id), meeting)


def can_change_item(user, item):
    """An action item's status: its assignee, the meeting's creator or an owner/admin."""
    return item.assignee_id == user.pk or can_manage(user, item.meeting)


def members_of(organization):
    return User.objects.filter(memberships__organization=organization).order_by("name", "email")


def members_by_id(organization, ids):
    """The members with these ids, in the order given; any id that is not a member is refused by name."""
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    found = {user.pk: user for user in members_of(organization).filter(pk__in=ids)}
    unknown = [pk for pk in ids if pk not in found]
    if unknown:
        raise ServiceError(
            _("These users are not members of the organization: %(ids)s") % {"ids": ", ".join(map(str, unknown))},
            "not_member",
        )
    return [found[pk] for pk in ids]
