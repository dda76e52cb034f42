"""Meeting pages, under /meetings/ (namespace "meetings"): the meeting itself, its recording and its
processing card. Each feature's other pages have their own urls module, included by nexochat/urls.py."""

from django.urls import path

from meetings import views
from meetings.processing import views as processing_views
from meetings.recordings import views as recording_views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/delete/", views.meeting_delete, name="delete"),
    path("<int:pk>/upload/", recording_views.recording_upload, name="upload"),
    path("<int:pk>/audio/", recording_views.recording_audio, name="audio"),
    path("<int:pk>/status/", processing_views.job_status, name="status"),
    path("<int:pk>/retry/", processing_views.job_retry, name="retry"),
]
