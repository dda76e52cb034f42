"""Who may see what. Every query for an organization's data goes through one of these helpers,
so isolation between organizations is enforced in one place. An object outside the user's
organizations is reported as missing (404), never as forbidden, so its existence does not leak."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Organization, User


def memberships_for(user):
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organization")


def organizations_for(user):
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user)


def members_of(organization):
    """The organization's members, by name: the choices wherever a member is picked."""
    return User.objects.filter(memberships__organization=organization).order_by("name", "email")


def membership_in(user, organization_id):
    """The user's membership in that organization, or None. Inside a request the memberships the
    middleware loaded are used (CurrentOrganizationMiddleware), so repeated checks cost no query."""
    loaded = getattr(user, "memberships_by_organization", None) or {}
    if organization_id in loaded:
        return loaded[organization_id]
    # Not loaded, or joined during this request (a new organization, an accepted invitation).
    return memberships_for(user).filter(organization_id=organization_id).first()


def get_membership(user, organization_id):
    """The user's membership in that organization, or 404."""
    membership = membership_in(user, organization_id)
    if membership is None:
        raise Http404("No such organization.")
    return membership


def require_admin(membership):
    if not membership.is_admin:
        raise PermissionDenied("Only owners and admins can do this.")
