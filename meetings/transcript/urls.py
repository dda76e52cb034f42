"""Transcript pages, included by the project under /meetings/<int:pk>/transcript/ (namespace "transcript")."""

from django.urls import path

from meetings.transcript import views

app_name = "transcript"
urlpatterns = [
    path("", views.transcript_panel, name="panel"),
    path("export/<str:fmt>/", views.transcript_export, name="export"),
    path("speakers/<int:speaker_id>/rename/", views.speaker_rename, name="speaker_rename"),
    path("speakers/<int:speaker_id>/merge/", views.speaker_merge, name="speaker_merge"),
    path("speakers/<int:speaker_id>/member/", views.speaker_member, name="speaker_member"),
    path("segments/<int:segment_id>/", views.segment_detail, name="segment"),
    path("segments/<int:segment_id>/edit/", views.segment_edit, name="segment_edit"),
    path("rediarize/", views.rediarize, name="rediarize"),
    path("retranscribe/", views.retranscribe, name="retranscribe"),
]
