from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/delete/", views.meeting_delete, name="delete"),
    path("<int:pk>/upload/", views.recording_upload, name="upload"),
    path("<int:pk>/audio/", views.recording_audio, name="audio"),
    path("<int:pk>/status/", views.job_status, name="status"),
    path("<int:pk>/retry/", views.job_retry, name="retry"),
]
