"""Chat and search routes. `urlpatterns`: the pages /chat/ and /search/ (namespace "chat"; the search page
has been "chat:search" since both came together, so it stays in this namespace), included at the site
root. `api_urlpatterns`: /api/v1/chat/, included by nexochat/api_urls.py."""

from django.urls import path

from meetings.chat import api
from meetings.chat import views as chat_views
from meetings.search import views as search_views

app_name = "chat"
urlpatterns = [
    path("search/", search_views.search_page, name="search"),
    path("chat/", chat_views.chat_home, name="home"),
    path("chat/ask/", chat_views.ask, name="ask"),
    path("chat/voice/", chat_views.voice, name="voice"),
    path("chat/voice/<id:pk>/", chat_views.voice_status, name="voice_status"),
    path("chat/<id:pk>/", chat_views.conversation_detail, name="conversation"),
    path("chat/<id:pk>/delete/", chat_views.conversation_delete, name="delete"),
    path("chat/<id:pk>/messages/<id:message_pk>/stream/", chat_views.stream, name="stream"),
    path("chat/meeting/<id:meeting_pk>/", chat_views.meeting_box, name="meeting_box"),
]

api_urlpatterns = [
    path("chat/conversations/", api.ConversationListView.as_view(), name="conversation-list"),
    path("chat/conversations/<id:pk>/", api.ConversationDetailView.as_view(), name="conversation-detail"),
    path("chat/conversations/<id:pk>/messages/", api.AskView.as_view(), name="conversation-ask"),
    path(
        "chat/conversations/<id:pk>/messages/<id:message_pk>/answer/",
        api.AnswerView.as_view(),
        name="conversation-answer",
    ),
    path("chat/conversations/<id:pk>/voice/", api.VoiceView.as_view(), name="conversation-voice"),
    path("chat/voice/<id:pk>/", api.VoiceStatusView.as_view(), name="voice-status"),
]
