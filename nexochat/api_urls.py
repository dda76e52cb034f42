"""/api/v1/: JWT auth, the current user, organizations, meetings, recordings and jobs, and the
OpenAPI schema with Swagger UI served from drf-spectacular-sidecar's static files (no CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from meetings import api as meetings_api
from meetings.conference.urls import api_urlpatterns as conference_api_urlpatterns
from meetings.processing import api as processing_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# No ".json" suffix routes: the extra actions do not take a `format` argument (a 500), and the API
# speaks JSON only anyway (the isolation matrix test found this).
router.include_format_suffixes = False
router.register("organizations", accounts_api.OrganizationViewSet, basename="organization")
router.register("meetings", meetings_api.MeetingViewSet, basename="meeting")
router.register("jobs", processing_api.JobViewSet, basename="job")

app_name = "api"
urlpatterns = [
    path("auth/token/", accounts_api.TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("auth/token/refresh/", accounts_api.TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/token/verify/", accounts_api.TokenVerifyView.as_view(), name="token_verify"),
    path("auth/token/blacklist/", accounts_api.TokenBlacklistView.as_view(), name="token_blacklist"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path("", include("meetings.chat.api")),  # search, chatbot conversations, voice questions
    path("", include(conference_api_urlpatterns)),  # schedule, calendar, action items, decisions, sharing
    path("", include(router.urls)),
]
