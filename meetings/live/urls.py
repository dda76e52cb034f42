"""Live capture's API routes (`api_urlpatterns`, included by nexochat/api_urls.py under /api/v1/)."""

from django.urls import path

from meetings.live import api

api_urlpatterns = [
    path("meetings/<id:pk>/live/", api.LiveOpenView.as_view(), name="live-open"),
    path("live/<id:session_id>/", api.LiveSessionView.as_view(), name="live-session"),
    path("live/<id:session_id>/chunks/<id:seq>/", api.LiveChunkView.as_view(), name="live-chunk"),
    path("live/<id:session_id>/finish/", api.LiveFinishView.as_view(), name="live-finish"),
]
