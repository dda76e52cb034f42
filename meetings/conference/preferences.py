"""A user's own settings for conference management: recap emails, time zone, and the secret address of
their private calendar feed."""

import secrets

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.timezones import valid_zone_names
from meetings.models import UserPreference
from nexochat.errors import ServiceError


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


def feed_url(request, preference):
    """The feed's full address for calendar apps, or None while the feed is off."""
    if not preference.feed_token:
        return None
    return request.build_absolute_uri(reverse("conference:feed", args=[preference.feed_token]))


def user_for_feed_token(token):
    if not token or len(token) > 64:
        return None
    preference = UserPreference.objects.filter(feed_token=token).select_related("user").first()
    if preference is None or not preference.user.is_active:
        return None
    return preference.user
