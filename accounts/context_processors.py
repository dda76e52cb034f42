from django.conf import settings

from .access import memberships_for


def organizations(request):
    user = getattr(request, "user", None)
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": (
            getattr(request, "memberships", None) or memberships_for(user)
            if user is not None and user.is_authenticated
            else []
        ),
        "google_login_enabled": settings.GOOGLE_LOGIN_ENABLED,
    }
