"""The site's routes: each feature's urls module, included once. Pages first, then /api/v1/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.static import serve

from meetings.conference import urls as conference_urls
from meetings.minutes import urls as minutes_urls
from meetings.transcript import urls as transcript_urls

urlpatterns = [
    # Browsers ask for /favicon.ico on every page that names no icon (the admin, the API docs); one fixed file.
    path(
        "favicon.ico",
        require_safe(serve),
        {"path": "favicon.ico", "document_root": settings.BASE_DIR / "static"},
        name="favicon",
    ),
    path("", include(conference_urls.home_urlpatterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("orgs/", include("accounts.urls")),
    path("meetings/minutes-settings/", include((minutes_urls.settings_urlpatterns, "minutes_settings"))),
    path("meetings/", include("meetings.urls")),
    path("", include("meetings.conference.urls")),
    path("", include("meetings.chat.urls")),
    path("", include("meetings.voiceprints.urls")),
    path("meetings/<id:pk>/transcript/", include("meetings.transcript.urls")),
    path("meetings/<id:pk>/minutes/", include("meetings.minutes.urls")),
    path("api/v1/meetings/<id:pk>/transcript/", include(transcript_urls.api_urlpatterns)),
    path("api/v1/meetings/<id:pk>/minutes/", include(minutes_urls.api_urlpatterns)),
    path("api/v1/organizations/<id:org_id>/minutes-settings/", include(minutes_urls.api_settings_urlpatterns)),
    path("api/v1/", include("nexochat.api_urls")),
]

handler404 = "nexochat.errors.not_found"
handler500 = "nexochat.errors.server_error"
