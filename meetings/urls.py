"""Meeting routes: the pages under /meetings/ (`urlpatterns`, namespace "meetings": the meeting itself,
its recording and its processing card) and the API's meetings and jobs resources (`api_urlpatterns`,
included by nexochat/api_urls.py). Each feature's other routes are in its own urls module."""

from django.urls import include, path

from meetings import api, views
from meetings.processing import api as processing_api
from meetings.processing import views as processing_views
from meetings.recordings import views as recording_views
from nexochat.routers import api_router

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<id:pk>/", views.meeting_detail, name="detail"),
    path("<id:pk>/edit/", views.meeting_edit, name="edit"),
    path("<id:pk>/delete/", views.meeting_delete, name="delete"),
    path("<id:pk>/upload/", recording_views.recording_upload, name="upload"),
    path("<id:pk>/audio/", recording_views.recording_audio, name="audio"),
    path("<id:pk>/status/", processing_views.job_status, name="status"),
    path("<id:pk>/retry/", processing_views.job_retry, name="retry"),
]

router = api_router()
router.register("meetings", api.MeetingViewSet, basename="meeting")
router.register("jobs", processing_api.JobViewSet, basename="job")
api_urlpatterns = [path("", include(router.urls))]
