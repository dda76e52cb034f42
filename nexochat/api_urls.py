"""/api/v1/ (namespace "api"): each feature's API routes, and the OpenAPI schema with Swagger UI served
from drf-spectacular-sidecar's static files (no CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from accounts import urls as accounts_urls
from meetings import urls as meetings_urls
from meetings.chat import urls as chat_urls
from meetings.conference import urls as conference_urls
from meetings.live import urls as live_urls
from meetings.search import urls as search_urls
from meetings.voiceprints import urls as voiceprint_urls

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path("", include(accounts_urls.api_urlpatterns)),
    path("", include(search_urls.api_urlpatterns)),
    path("", include(chat_urls.api_urlpatterns)),
    path("", include(conference_urls.api_urlpatterns)),
    path("", include(live_urls.api_urlpatterns)),
    path("", include(voiceprint_urls.api_urlpatterns)),
    path("", include(meetings_urls.api_urlpatterns)),
]
