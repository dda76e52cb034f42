"""Speaker memory's routes, included by nexochat/urls.py: `urlpatterns` (pages, namespace "voiceprints") and
`api_urlpatterns` (under /api/v1/, namespace "api")."""

from django.urls import path

from meetings.voiceprints import api, views

app_name = "voiceprints"
urlpatterns = [
    path("meetings/<id:pk>/transcript/speakers/<id:speaker_id>/voiceprint/", views.enrol, name="enrol"),
    path("meetings/<id:pk>/transcript/speakers/<id:speaker_id>/suggestion/", views.suggestion, name="suggestion"),
    path("preferences/voiceprint/<id:org_id>/delete/", views.delete, name="delete"),
    path("preferences/voiceprint/<id:org_id>/recording/", views.record, name="record"),
    path("preferences/voiceprint/<id:org_id>/recording/status/", views.recording_status, name="recording_status"),
]

api_urlpatterns = [
    path(
        "meetings/<id:pk>/transcript/speakers/<id:speaker_id>/voiceprint/",
        api.EnrolView.as_view(),
        name="speaker-voiceprint",
    ),
    path(
        "meetings/<id:pk>/transcript/speakers/<id:speaker_id>/suggestion/",
        api.SuggestionView.as_view(),
        name="speaker-suggestion",
    ),
    path("organizations/<id:org_id>/voiceprint/", api.VoiceprintView.as_view(), name="member-voiceprint"),
    path(
        "organizations/<id:org_id>/voiceprint/recording/",
        api.RecordingView.as_view(),
        name="member-voiceprint-recording",
    ),
]
