"""/chat/ and /search/, mounted by nexochat/urls.py."""

from django.urls import path

from meetings.chat import views as chat_views
from meetings.search import views as search_views

app_name = "chat"
urlpatterns = [
    path("search/", search_views.search_page, name="search"),
    path("chat/", chat_views.chat_home, name="home"),
    path("chat/ask/", chat_views.ask, name="ask"),
    path("chat/voice/", chat_views.voice, name="voice"),
    path("chat/voice/<int:pk>/", chat_views.voice_status, name="voice_status"),
    path("chat/<int:pk>/", chat_views.conversation_detail, name="conversation"),
    path("chat/<int:pk>/delete/", chat_views.conversation_delete, name="delete"),
    path("chat/<int:pk>/messages/<int:message_pk>/stream/", chat_views.stream, name="stream"),
    path("chat/meeting/<int:meeting_pk>/", chat_views.meeting_box, name="meeting_box"),
]
