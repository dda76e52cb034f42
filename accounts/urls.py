"""Organization routes: the pages under /orgs/ (`urlpatterns`, namespace "accounts") and the API's sign-in
tokens, current user and organizations (`api_urlpatterns`, included by nexochat/api_urls.py)."""

from django.urls import include, path

from nexochat.routers import api_router

from . import api, views

app_name = "accounts"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new/", views.organization_create, name="create"),
    path("switch/", views.organization_switch, name="switch"),
    path("<id:org_id>/members/", views.members, name="members"),
    path("<id:org_id>/members/<id:membership_id>/role/", views.member_role, name="member_role"),
    path("<id:org_id>/members/<id:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("<id:org_id>/leave/", views.leave, name="leave"),
    path("<id:org_id>/invitations/", views.invitation_create, name="invitation_create"),
    path("<id:org_id>/invitations/<id:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]

router = api_router()
router.register("organizations", api.OrganizationViewSet, basename="organization")
api_urlpatterns = [
    path("auth/token/", api.TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("auth/token/refresh/", api.TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/token/verify/", api.TokenVerifyView.as_view(), name="token_verify"),
    path("auth/token/blacklist/", api.TokenBlacklistView.as_view(), name="token_blacklist"),
    path("me/", api.MeView.as_view(), name="me"),
    path("", include(router.urls)),
]
