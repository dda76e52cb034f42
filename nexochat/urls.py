from django.contrib import admin
from django.urls import include, path

from meetings.conference.views import calendars as conference_calendars
from meetings.minutes import api as minutes_api
from meetings.minutes import urls as minutes_urls

urlpatterns = [
    path("", conference_calendars.dashboard, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("orgs/", include("accounts.urls")),
    path("meetings/minutes-settings/", include((minutes_urls.settings_urlpatterns, "minutes_settings"))),
    path("meetings/", include("meetings.urls")),
    path("", include("meetings.conference.urls")),  # dashboard, calendar, action items, decisions, sharing
    path("", include("meetings.chat.urls")),  # search page and chatbot
    path("meetings/<int:pk>/transcript/", include("meetings.transcript.urls")),
    path("meetings/<int:pk>/minutes/", include("meetings.minutes.urls")),
    path("api/v1/meetings/<int:pk>/transcript/", include("meetings.transcript.api")),
    path("api/v1/meetings/<int:pk>/minutes/", include("meetings.minutes.api")),
    path("api/v1/organizations/<int:org_id>/minutes-settings/", include(minutes_api.settings_urlpatterns)),
    path("api/v1/", include("nexochat.api_urls")),
]
