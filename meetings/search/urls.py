"""Search routes: `api_urlpatterns` (/api/v1/search/), included by nexochat/api_urls.py. The search page is
"chat:search" and is declared with the chat pages (meetings/chat/urls.py), in that namespace."""

from django.urls import path

from meetings.search import api

api_urlpatterns = [path("search/", api.SearchView.as_view(), name="search")]
