"""Transcript routes, included by nexochat/urls.py: `urlpatterns` (the pages, under
/meetings/<id:pk>/transcript/, namespace "transcript") and `api_urlpatterns` (under
/api/v1/meetings/<id:pk>/transcript/)."""

from django.urls import path

from meetings.transcript import api, views

app_name = "transcript"
urlpatterns = [
    path("", views.transcript_panel, name="panel"),
    path("export/<str:fmt>/", views.transcript_export, name="export"),
    path("speakers/<id:speaker_id>/rename/", views.speaker_rename, name="speaker_rename"),
    path("speakers/<id:speaker_id>/merge/", views.speaker_merge, name="speaker_merge"),
    path("speakers/<id:speaker_id>/member/", views.speaker_member, name="speaker_member"),
    path("segments/<id:segment_id>/", views.segment_detail, name="segment"),
    path("segments/<id:segment_id>/edit/", views.segment_edit, name="segment_edit"),
    path("rediarize/", views.rediarize, name="rediarize"),
    path("retranscribe/", views.retranscribe, name="retranscribe"),
]

api_urlpatterns = [
    path("", api.TranscriptView.as_view(), name="transcript"),
    path("export/<str:fmt>/", api.TranscriptExportView.as_view(), name="transcript-export"),
    path("speakers/<id:speaker_id>/", api.SpeakerView.as_view(), name="transcript-speaker"),
    path("speakers/<id:speaker_id>/merge/", api.SpeakerMergeView.as_view(), name="transcript-speaker-merge"),
    path("segments/<id:segment_id>/", api.SegmentView.as_view(), name="transcript-segment"),
    path("rediarize/", api.RediarizeView.as_view(), name="transcript-rediarize"),
    path("retranscribe/", api.RetranscribeView.as_view(), name="transcript-retranscribe"),
]
