"""Audit log: membership, invitation, sharing, meeting deletion and organization
settings changes each leave one entry with who, what, which organization and from where; the
admin shows the log read-only; secrets never land in it."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AuditLog, Invitation, Membership, Role, User
from meetings.conference.sharing import create_share_link
from meetings.models import Meeting


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def last(action):
    return AuditLog.objects.filter(action=action).latest("pk")


def test_membership_changes_are_logged_with_the_client_address(owner_client, owner, member, org):
    target = Membership.objects.get(user=member, organization=org)
    response = owner_client.post(
        f"/orgs/{org.pk}/members/{target.pk}/role/", {"role": "admin"}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302
    entry = last("member.role")
    assert entry.actor == owner and entry.organization == org and entry.ip == "203.0.113.7"
    assert (entry.target_type, entry.target_id) == ("accounts.membership", str(target.pk))
    assert entry.details["old"] == "member" and entry.details["new"] == "admin"
    assert entry.details["user"] == member.email and entry.details["organization_name"] == org.name

    owner_client.post(f"/orgs/{org.pk}/members/{target.pk}/remove/")
    removed = last("member.remove")
    assert removed.actor == owner and removed.details["user"] == member.email
    assert not Membership.objects.filter(pk=target.pk).exists()


def test_refused_changes_are_not_logged(member_client, member, owner, org):
    target = Membership.objects.get(user=owner, organization=org)
    assert member_client.post(f"/orgs/{org.pk}/members/{target.pk}/role/", {"role": "member"}).status_code == 403
    assert not AuditLog.objects.filter(action="member.role").exists()


def test_invitations_and_leaving_are_logged(owner, admin_user, org):
    actor = Membership.objects.get(user=owner, organization=org)
    invitation = services.create_invitation(actor, role=Role.MEMBER, email="new@example.com")
    assert last("invitation.create").details["email"] == "new@example.com"
    newcomer = User.objects.create_user(email="new@example.com", password="x")
    membership = services.accept_invitation(invitation, newcomer)
    accepted = last("invitation.accept")
    assert accepted.actor == newcomer and accepted.target_id == str(membership.pk)
    other = services.create_invitation(actor)
    services.revoke_invitation(actor, other)
    assert last("invitation.revoke").target_id == str(other.pk)
    services.leave_organization(Membership.objects.get(user=admin_user, organization=org))
    assert last("member.leave").actor == admin_user
    assert Invitation.objects.filter(pk=other.pk, revoked_at__isnull=False).exists()


def test_sharing_is_logged(owner_client, owner, member, org):
    meeting = Meeting.objects.create(organization=org, title="공유", created_by=owner)
    owner_client.post(
        f"/meetings/{meeting.pk}/sharing/", {"action": "visibility", "visibility": "selected", "members": [member.pk]}
    )
    visibility = last("meeting.visibility")
    assert visibility.actor == owner and visibility.details == {
        "old": "organization",
        "new": "selected",
        "members": [member.pk],
        "organization_name": org.name,
        "actor_email": owner.email,
    }
    owner_client.post(f"/meetings/{meeting.pk}/sharing/", {"action": "link", "days": "3"})
    created = last("share_link.create")
    assert created.details["days"] == 3 and created.details["meeting"] == meeting.pk
    link = meeting.share_links.get()
    assert "token" not in str(created.details) and link.token not in str(created.details)
    owner_client.post(f"/meetings/{meeting.pk}/sharing/links/{link.pk}/revoke/")
    assert last("share_link.revoke").target_id == str(link.pk)
    api = APIClient()
    api.force_authenticate(owner)
    link2 = create_share_link(meeting, owner)
    api.post(f"/api/v1/meetings/{meeting.pk}/share-links/{link2.pk}/revoke/")
    assert AuditLog.objects.filter(action="share_link.revoke", actor=owner).count() == 2


def test_meeting_deletion_is_logged_and_outlives_the_meeting(owner_client, owner, org):
    meeting = Meeting.objects.create(organization=org, title="지울 회의", created_by=owner)
    owner_client.post(f"/meetings/{meeting.pk}/delete/")
    entry = last("meeting.delete")
    assert entry.details["title"] == "지울 회의" and entry.target_id == str(meeting.pk) and entry.actor == owner


def test_ai_settings_changes_are_logged_without_the_key(owner, org):
    api = APIClient()
    api.force_authenticate(owner)
    response = api.put(
        f"/api/v1/organizations/{org.pk}/minutes-settings/",
        {"provider": "openai", "model": "m", "base_url": "http://gpu:8000/v1", "api_key": "sk-very-secret"},
        format="json",
    )
    assert response.status_code == 200, response.content
    entry = last("ai_settings.update")
    assert entry.details["api_key_changed"] is True and entry.details["provider"] == "openai"
    assert "sk-very-secret" not in str(entry.details)


def test_admin_shows_the_log_read_only(owner, org, db):
    services.create_organization(owner, "감사 팀")
    staff = User.objects.create_superuser(email="root@example.com", password="x")
    client = Client()
    client.force_login(staff)
    entry = last("organization.create")
    assert client.get("/admin/accounts/auditlog/").status_code == 200
    page = client.get(f"/admin/accounts/auditlog/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="action"' not in page.content
    assert client.get("/admin/accounts/auditlog/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()
