from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new/", views.organization_create, name="create"),
    path("switch/", views.organization_switch, name="switch"),
    path("<int:org_id>/members/", views.members, name="members"),
    path("<int:org_id>/members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("<int:org_id>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("<int:org_id>/leave/", views.leave, name="leave"),
    path("<int:org_id>/invitations/", views.invitation_create, name="invitation_create"),
    path("<int:org_id>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]
