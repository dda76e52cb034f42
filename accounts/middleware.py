from django.utils import timezone

from .access import memberships_for
from .timezones import zone_for

SESSION_KEY = "organization_id"


class CurrentOrganizationMiddleware:
    """Sets request.membership and request.organization: the organization the user is working in.

    The choice is kept in the session; without one (or when the user has left it) the first
    membership is used. Users without any organization get None and are sent to create one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.organization = None
        request.memberships = []
        if request.user.is_authenticated:
            # One query for the whole request: the organization switcher lists them, and access checks
            # during this request read them from the user (accounts.access.get_membership).
            request.memberships = list(memberships_for(request.user).order_by("created_at"))
            by_organization = {m.organization_id: m for m in request.memberships}
            request.user.memberships_by_organization = by_organization
            wanted = request.session.get(SESSION_KEY)
            membership = by_organization.get(wanted) or next(iter(request.memberships), None)
            if membership:
                request.membership = membership
                request.organization = membership.organization
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Shows times in the signed-in user's time zone (Asia/Seoul unless they chose another)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with timezone.override(zone_for(user)):
                return self.get_response(request)
        return self.get_response(request)
