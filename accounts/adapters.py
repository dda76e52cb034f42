from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import resolve_url

from .access import memberships_for


def _landing_url(request, default):
    """After login or signup: the meetings list, or organization creation for a user without one."""
    if not memberships_for(request.user).exists():
        return resolve_url("accounts:create")
    return default


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return _landing_url(request, super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request):
        return _landing_url(request, super().get_signup_redirect_url(request))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if not user.name:
            full_name = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
            user.name = (data.get("name") or full_name)[:150]
        return user
