"""Conference management pages (issue #6), included by the project at the site root (namespace "conference")."""

from django.urls import path

from meetings.conference import views

app_name = "conference"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("calendar/", views.calendar_month, name="calendar"),
    path("calendar/week/", views.calendar_week, name="calendar_week"),
    path("calendar/list/", views.calendar_list, name="calendar_list"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed, name="feed"),
    path("schedule/", views.schedule_create, name="schedule"),
    path("meetings/<int:pk>/schedule/", views.schedule_edit, name="schedule_edit"),
    path("meetings/<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("meetings/<int:pk>/speakers/", views.speakers_confirm, name="speakers"),
    path("meetings/<int:pk>/sharing/", views.sharing, name="sharing"),
    path("meetings/<int:pk>/sharing/links/<int:link_id>/revoke/", views.share_link_revoke, name="share_revoke"),
    path("meetings/<int:pk>/recap/", views.recap_send, name="recap"),
    path("action-items/", views.action_items, name="action_items"),
    path("action-items/<int:item_id>/status/", views.action_item_status, name="action_item_status"),
    path("decisions/", views.decision_log, name="decisions"),
    path("decisions/<int:decision_id>/supersede/", views.decision_supersede, name="decision_supersede"),
    path("series/", views.series_list, name="series_list"),
    path("series/<int:series_id>/", views.series_detail, name="series_detail"),
    path("preferences/", views.preferences, name="preferences"),
    path("s/<str:token>/", views.share_view, name="share_view"),
    path("s/<str:token>/audio/", views.share_audio, name="share_audio"),
]
