from .access import memberships_for

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
        if request.user.is_authenticated:
            memberships = memberships_for(request.user).order_by("created_at")
            wanted = request.session.get(SESSION_KEY)
            membership = (wanted and memberships.filter(organization_id=wanted).first()) or memberships.first()
            if membership:
                request.membership = membership
                request.organization = membership.organization
        return self.get_response(request)
