"""Members page role rules, invitation links and leaving an organization."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_KEY
from accounts.models import Invitation, Membership, Role, User


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _membership(user, org):
    return Membership.objects.get(user=user, organization=org)


def _role_url(org, user):
    return reverse("accounts:member_role", args=[org.pk, _membership(user, org).pk])


def _remove_url(org, user):
    return reverse("accounts:member_remove", args=[org.pk, _membership(user, org).pk])


# --- members page ---------------------------------------------------------------------------


def test_owner_sees_members_with_management_controls(owner_client, org, owner, admin_user, member):
    response = owner_client.get(reverse("accounts:members", args=[org.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for user in (owner, admin_user, member):
        assert user.email in page
    assert _role_url(org, member) in page and _remove_url(org, admin_user) in page
    assert reverse("accounts:invitation_create", args=[org.pk]) in page


def test_admin_sees_no_controls_for_owners(admin_user, org, owner, member):
    page = _client(admin_user).get(reverse("accounts:members", args=[org.pk])).content.decode()
    assert _role_url(org, member) in page
    assert _role_url(org, owner) not in page and _remove_url(org, owner) not in page


def test_member_sees_list_without_controls(member_client, org, owner, member):
    response = member_client.get(reverse("accounts:members", args=[org.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert owner.email in page
    assert "/role/" not in page and "/remove/" not in page
    assert reverse("accounts:invitation_create", args=[org.pk]) not in page


def test_outsider_gets_404_on_another_orgs_members_page(outsider_client, org, owner):
    response = outsider_client.get(reverse("accounts:members", args=[org.pk]))
    assert response.status_code == 404
    assert owner.email not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        lambda org, m: reverse("accounts:member_role", args=[org.pk, m.pk]),
        lambda org, m: reverse("accounts:member_remove", args=[org.pk, m.pk]),
        lambda org, m: reverse("accounts:invitation_create", args=[org.pk]),
        lambda org, m: reverse("accounts:leave", args=[org.pk]),
    ],
)
def test_outsider_gets_404_on_every_write(outsider_client, org, member, url):
    target = _membership(member, org)
    response = outsider_client.post(url(org, target), {"role": Role.OWNER})
    assert response.status_code == 404
    assert Membership.objects.filter(organization=org).count() == 1
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_membership_id_of_another_org_is_404(owner_client, org, owner, outsider, other_org):
    foreign = _membership(outsider, other_org)
    url = reverse("accounts:member_remove", args=[org.pk, foreign.pk])
    assert owner_client.post(url).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


# --- role changes ---------------------------------------------------------------------------


def test_owner_changes_roles(owner_client, org, owner, member):
    response = owner_client.post(_role_url(org, member), {"role": Role.ADMIN})
    assert response.status_code == 302
    assert _membership(member, org).role == Role.ADMIN
    owner_client.post(_role_url(org, member), {"role": Role.OWNER})
    assert _membership(member, org).role == Role.OWNER


def test_admin_changes_member_but_not_owner(admin_user, org, owner, member):
    client = _client(admin_user)
    assert client.post(_role_url(org, member), {"role": Role.ADMIN}).status_code == 302
    assert _membership(member, org).role == Role.ADMIN
    assert client.post(_role_url(org, owner), {"role": Role.MEMBER}).status_code == 403
    assert _membership(owner, org).role == Role.OWNER


def test_admin_cannot_make_owners(admin_user, org, owner, member):
    response = _client(admin_user).post(_role_url(org, member), {"role": Role.OWNER})
    assert response.status_code == 403
    assert _membership(member, org).role == Role.MEMBER


def test_member_cannot_change_roles(member_client, org, owner, admin_user, member):
    assert member_client.post(_role_url(org, admin_user), {"role": Role.MEMBER}).status_code == 403
    assert member_client.post(_role_url(org, member), {"role": Role.OWNER}).status_code == 403
    assert _membership(admin_user, org).role == Role.ADMIN
    assert _membership(member, org).role == Role.MEMBER


def test_last_owner_cannot_be_demoted(owner_client, org, owner):
    response = owner_client.post(_role_url(org, owner), {"role": Role.MEMBER}, follow=True)
    assert response.status_code == 200
    assert _membership(owner, org).role == Role.OWNER
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_owner_may_step_down_when_another_owner_exists(owner_client, org, owner, member):
    owner_client.post(_role_url(org, member), {"role": Role.OWNER})
    owner_client.post(_role_url(org, owner), {"role": Role.ADMIN})
    assert _membership(owner, org).role == Role.ADMIN
    assert _membership(member, org).role == Role.OWNER


def test_unknown_role_is_refused(owner_client, org, member):
    owner_client.post(_role_url(org, member), {"role": "emperor"})
    assert _membership(member, org).role == Role.MEMBER


# --- removing members -----------------------------------------------------------------------


def test_owner_removes_member(owner_client, org, member):
    assert owner_client.post(_remove_url(org, member)).status_code == 302
    assert not Membership.objects.filter(user=member, organization=org).exists()
    assert User.objects.filter(pk=member.pk).exists()


def test_admin_removes_member_but_not_owner(admin_user, org, owner, member):
    client = _client(admin_user)
    assert client.post(_remove_url(org, member)).status_code == 302
    assert not Membership.objects.filter(user=member, organization=org).exists()
    assert client.post(_remove_url(org, owner)).status_code == 403
    assert Membership.objects.filter(user=owner, organization=org).exists()


def test_member_cannot_remove(member_client, org, admin_user):
    assert member_client.post(_remove_url(org, admin_user)).status_code == 403
    assert Membership.objects.filter(user=admin_user, organization=org).exists()


def test_owner_removing_another_owner_keeps_one(owner_client, org, owner, member):
    owner_client.post(_role_url(org, member), {"role": Role.OWNER})
    owner_client.post(_remove_url(org, member))
    assert list(Membership.objects.filter(organization=org, role=Role.OWNER)) == [_membership(owner, org)]


def test_get_is_not_allowed_on_writes(owner_client, org, member):
    assert owner_client.get(_remove_url(org, member)).status_code == 405
    assert Membership.objects.filter(user=member, organization=org).exists()


# --- leaving --------------------------------------------------------------------------------


def test_member_leaves(member_client, org, owner, member):
    response = member_client.post(reverse("accounts:leave", args=[org.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:create")
    assert not Membership.objects.filter(user=member, organization=org).exists()
    assert member_client.get(reverse("accounts:members", args=[org.pk])).status_code == 404


def test_leaving_switches_to_remaining_organization(member_client, org, member, other_org):
    Membership.objects.create(user=member, organization=other_org, role=Role.MEMBER)
    response = member_client.post(reverse("accounts:leave", args=[org.pk]))
    assert response["Location"] == reverse("meetings:list")
    assert member_client.get(reverse("accounts:list")).context["current_organization"] == other_org


def test_last_owner_cannot_leave(owner_client, org, owner, member):
    response = owner_client.post(reverse("accounts:leave", args=[org.pk]))
    assert response.status_code == 302
    assert Membership.objects.filter(user=owner, organization=org, role=Role.OWNER).exists()


# --- invitations ----------------------------------------------------------------------------


def _invite(client, org, **data):
    payload = {"role": Role.MEMBER, "email": "", "expires_in_days": "7", **data}
    return client.post(reverse("accounts:invitation_create", args=[org.pk]), payload)


def _invite_url(invitation):
    return reverse("accounts:invitation", args=[invitation.token])


def test_admin_creates_invitation_link(admin_user, org):
    client = _client(admin_user)
    response = _invite(client, org, role=Role.ADMIN, email="New@Example.com", expires_in_days="1")
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=org)
    assert invitation.role == Role.ADMIN
    assert invitation.email == "new@example.com"
    assert invitation.created_by == admin_user
    assert timedelta(hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=1)
    page = client.get(reverse("accounts:members", args=[org.pk])).content.decode()
    assert _invite_url(invitation) in page


def test_member_cannot_invite(member_client, org):
    assert _invite(member_client, org).status_code == 403
    assert not Invitation.objects.exists()


def test_admin_cannot_invite_owners(admin_user, org):
    assert _invite(_client(admin_user), org, role=Role.OWNER).status_code == 400
    assert not Invitation.objects.exists()


def test_accepting_a_valid_invitation(owner, org, make_user):
    invitation = Invitation.objects.create(organization=org, role=Role.ADMIN, created_by=owner)
    newcomer = make_user("newcomer@example.com")
    client = _client(newcomer)
    page = client.get(_invite_url(invitation))
    assert page.status_code == 200
    assert org.name in page.content.decode()

    response = client.post(_invite_url(invitation))
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:list")
    assert _membership(newcomer, org).role == Role.ADMIN
    assert client.session[SESSION_KEY] == org.pk
    invitation.refresh_from_db()
    assert invitation.accepted_by == newcomer and invitation.accepted_at is not None


def test_used_invitation_is_refused(owner, org, make_user):
    invitation = Invitation.objects.create(organization=org, created_by=owner)
    _client(make_user("first@example.com")).post(_invite_url(invitation))
    second = make_user("second@example.com")
    client = _client(second)
    assert client.get(_invite_url(invitation)).status_code == 410
    response = client.post(_invite_url(invitation))
    assert response.status_code == 410
    assert response.context["problem"].code == "used"
    assert not Membership.objects.filter(user=second).exists()


def test_expired_invitation_is_refused(owner, org, make_user):
    invitation = Invitation.objects.create(
        organization=org, created_by=owner, expires_at=timezone.now() - timedelta(minutes=1)
    )
    user = make_user("late@example.com")
    response = _client(user).post(_invite_url(invitation))
    assert response.status_code == 410
    assert response.context["problem"].code == "expired"
    assert not Membership.objects.filter(user=user).exists()


def test_revoked_invitation_is_refused(owner_client, owner, org, make_user):
    invitation = Invitation.objects.create(organization=org, created_by=owner)
    response = owner_client.post(reverse("accounts:invitation_revoke", args=[org.pk, invitation.pk]))
    assert response.status_code == 302
    user = make_user("revoked@example.com")
    response = _client(user).post(_invite_url(invitation))
    assert response.status_code == 410
    assert response.context["problem"].code == "revoked"
    assert not Membership.objects.filter(user=user).exists()


def test_invitation_for_another_email_is_refused(owner, org, make_user):
    invitation = Invitation.objects.create(organization=org, created_by=owner, email="right@example.com")
    wrong = make_user("wrong@example.com")
    response = _client(wrong).post(_invite_url(invitation))
    assert response.status_code == 403
    assert response.context["problem"].code == "wrong_email"
    assert not Membership.objects.filter(user=wrong).exists()
    right = make_user("Right@Example.com")
    assert _client(right).post(_invite_url(invitation)).status_code == 302
    assert Membership.objects.filter(user=right, organization=org).exists()


def test_member_or_outsider_cannot_revoke(member_client, outsider_client, owner, org):
    invitation = Invitation.objects.create(organization=org, created_by=owner)
    url = reverse("accounts:invitation_revoke", args=[org.pk, invitation.pk])
    assert member_client.post(url).status_code == 403
    assert outsider_client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_unknown_token_is_404(member_client):
    assert member_client.get(reverse("accounts:invitation", args=["no-such-token"])).status_code == 404


def test_existing_member_does_not_use_up_the_link(member_client, member, owner, org):
    invitation = Invitation.objects.create(organization=org, created_by=owner, role=Role.ADMIN)
    response = member_client.post(_invite_url(invitation))
    assert response.status_code == 302
    assert _membership(member, org).role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_anonymous_visitor_signs_up_and_comes_back_to_the_link(client, owner, org):
    invitation = Invitation.objects.create(organization=org, created_by=owner)
    url = _invite_url(invitation)
    page = client.get(url)
    assert page.status_code == 200
    signup_url = page.context["signup_url"]
    assert signup_url.startswith(reverse("account_signup")) and "next=" in signup_url
    assert page.context["login_url"].startswith(reverse("account_login"))

    response = client.post(
        signup_url, {"email": "invitee@example.com", "password1": "Invitee-Pass-9", "password2": "Invitee-Pass-9"}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    response = client.post(url)
    assert response["Location"] == reverse("meetings:list")
    assert Membership.objects.filter(user__email="invitee@example.com", organization=org).exists()


def test_anonymous_visitor_logs_in_and_comes_back_to_the_link(client, owner, org, make_user):
    make_user("returning@example.com")
    invitation = Invitation.objects.create(organization=org, created_by=owner)
    login_url = client.get(_invite_url(invitation)).context["login_url"]
    response = client.post(login_url, {"login": "returning@example.com", "password": "pw-Secret-123"})
    assert response["Location"] == _invite_url(invitation)


def test_anonymous_visitor_sees_refusal_for_a_dead_link(client, owner, org):
    invitation = Invitation.objects.create(organization=org, created_by=owner, revoked_at=timezone.now())
    response = client.get(_invite_url(invitation))
    assert response.status_code == 410
    assert "signup_url" not in response.context
