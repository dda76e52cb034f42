from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


def organization_required(view):
    """Logged in and working in an organization (request.organization); otherwise sent to create one."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "organization", None) is None:
            return redirect("accounts:create")
        return view(request, *args, **kwargs)

    return wrapper
