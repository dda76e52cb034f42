"""Who may do what in conference management, and which users count as an organization's members.

Seeing a meeting is decided by meetings.access; these rules decide what someone who sees it may change.
The require_* helpers raise Django's PermissionDenied, which pages show as a 403 and DRF answers with a
403 whose detail is the same message, so pages and the API share them."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.access import members_of, membership_in
from meetings.access import get_meeting_for
from meetings.services import can_delete_meeting
from nexochat.errors import ServiceError


def can_manage(user, meeting):
    """Sharing, visibility, recaps and superseding: the meeting's creator or an owner/admin."""
    return can_delete_meeting(user, membership_in(user, meeting.organization_id), meeting)


def can_change_item(user, item):
    """An action item's status: its assignee, the meeting's creator or an owner/admin."""
    return item.assignee_id == user.pk or can_manage(user, item.meeting)


def require_manage(user, meeting):
    if not can_manage(user, meeting):
        raise PermissionDenied(_("Only the meeting's creator or an organization admin can do this."))


def meeting_to_manage(user, pk):
    """The meeting, when the user may manage it: 404 where they cannot see it, 403 where they only see it."""
    meeting = get_meeting_for(user, pk)
    require_manage(user, meeting)
    return meeting


def require_item_change(user, item):
    if not can_change_item(user, item):
        raise PermissionDenied(_("Only the assignee, the meeting's creator or an admin can change this."))


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
