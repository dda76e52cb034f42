"""Conference management routes. `urlpatterns`: the pages, included at the site root (namespace
"conference"); `home_urlpatterns`: the dashboard as the site's home page (the name "home", no namespace);
`api_urlpatterns`: the API, included by nexochat/api_urls.py under /api/v1/ (namespace "api")."""

from django.urls import path

from meetings.conference.api import calendars as calendars_api
from meetings.conference.api import items as items_api
from meetings.conference.api import scheduling as scheduling_api
from meetings.conference.api import sharing as sharing_api
from meetings.conference.views import calendars, items, scheduling, sharing

app_name = "conference"
home_urlpatterns = [path("", calendars.dashboard, name="home")]
urlpatterns = [
    path("dashboard/", calendars.dashboard, name="dashboard"),
    path("calendar/", calendars.calendar_month, name="calendar"),
    path("calendar/week/", calendars.calendar_week, name="calendar_week"),
    path("calendar/list/", calendars.calendar_list, name="calendar_list"),
    path("calendar/feed/<str:token>.ics", calendars.calendar_feed, name="feed"),
    path("schedule/", scheduling.schedule_create, name="schedule"),
    path("meetings/<id:pk>/schedule/", scheduling.schedule_edit, name="schedule_edit"),
    path("meetings/<id:pk>/meeting.ics", calendars.meeting_ics, name="meeting_ics"),
    path("meetings/<id:pk>/speakers/", scheduling.speakers_confirm, name="speakers"),
    path("meetings/<id:pk>/since-last-time/", scheduling.since_last_time_phrased, name="since_last_time"),
    path("meetings/<id:pk>/sharing/", sharing.sharing, name="sharing"),
    path("meetings/<id:pk>/sharing/links/<id:link_id>/revoke/", sharing.share_link_revoke, name="share_revoke"),
    path("meetings/<id:pk>/recap/", sharing.recap_send, name="recap"),
    path("organization/recap-settings/", sharing.recap_settings, name="recap_settings"),
    path("action-items/", items.action_items, name="action_items"),
    path("action-items/<id:item_id>/status/", items.action_item_status, name="action_item_status"),
    path("decisions/", items.decision_log, name="decisions"),
    path("decisions/<id:decision_id>/supersede/", items.decision_supersede, name="decision_supersede"),
    path("series/", scheduling.series_list, name="series_list"),
    path("series/<id:series_id>/", scheduling.series_detail, name="series_detail"),
    path("preferences/", calendars.preferences, name="preferences"),
    path("s/<str:token>/", sharing.share_view, name="share_view"),
    path("s/<str:token>/audio/", sharing.share_audio, name="share_audio"),
]

api_urlpatterns = [
    path("meetings/schedule/", scheduling_api.ScheduleCreateView.as_view(), name="conference-schedule-create"),
    path("meetings/<id:pk>/schedule/", scheduling_api.ScheduleView.as_view(), name="conference-schedule"),
    path("meetings/<id:pk>/speakers/", scheduling_api.SpeakerMatchView.as_view(), name="conference-speakers"),
    path("meetings/<id:pk>/sharing/", sharing_api.SharingView.as_view(), name="conference-sharing"),
    path("meetings/<id:pk>/share-links/", sharing_api.ShareLinkListView.as_view(), name="conference-share-links"),
    path(
        "meetings/<id:pk>/share-links/<id:link_id>/revoke/",
        sharing_api.ShareLinkRevokeView.as_view(),
        name="conference-share-link-revoke",
    ),
    path("meetings/<id:pk>/recap/", sharing_api.RecapView.as_view(), name="conference-recap"),
    path(
        "organizations/<id:org_id>/recap-settings/",
        sharing_api.RecapSettingsView.as_view(),
        name="conference-recap-settings",
    ),
    path("series/", scheduling_api.SeriesListView.as_view(), name="conference-series"),
    path("calendar/", calendars_api.CalendarView.as_view(), name="conference-calendar"),
    path("calendar/feed/", calendars_api.FeedView.as_view(), name="conference-feed"),
    path("action-items/", items_api.ActionItemListView.as_view(), name="conference-action-items"),
    path("action-items/<id:item_id>/", items_api.ActionItemDetailView.as_view(), name="conference-action-item"),
    path("decisions/", items_api.DecisionListView.as_view(), name="conference-decisions"),
    path(
        "decisions/<id:decision_id>/supersede/",
        items_api.DecisionSupersedeView.as_view(),
        name="conference-supersede",
    ),
    path("dashboard/", calendars_api.DashboardView.as_view(), name="conference-dashboard"),
    path("me/preferences/", calendars_api.PreferenceView.as_view(), name="conference-preferences"),
]
