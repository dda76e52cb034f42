from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="meetings:list", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("orgs/", include("accounts.urls")),
    path("meetings/", include("meetings.urls")),
    path("meetings/<int:pk>/transcript/", include("meetings.transcript_urls")),
    path("api/v1/meetings/<int:pk>/transcript/", include("meetings.transcript_api")),
    path("api/v1/", include("nexochat.api_urls")),
]
