"""Each user's time zone: Asia/Seoul unless they chose another; the server's for anonymous visitors."""

import zoneinfo

from django.conf import settings


def zone_for(user):
    """The user's time zone (Asia/Seoul unless they chose another); the server's for anonymous users."""
    name = getattr(user, "timezone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def valid_zone_names():
    return zoneinfo.available_timezones()
