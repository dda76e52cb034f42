"""Email signup and login through the real allauth views, organizations and switching, seed_demo."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import Membership, Organization, Role, User

PASSWORD = "Correct-Horse-42"


# --- signup, login, logout, password reset --------------------------------------------------


def test_signup_page_renders_in_base_layout(client, db):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="email"' in page and 'name="password1"' in page and 'name="password2"' in page
    assert 'class="topbar"' in page  # our base.html, not allauth's bare layout


def test_signup_with_email_and_password_signs_in_and_asks_for_an_organization(client, db):
    response = client.post(
        reverse("account_signup"), {"email": "New.User@Example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:create")
    user = User.objects.get(email__iexact="new.user@example.com")
    assert user.check_password(PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("accounts:create")).context["first_organization"] is True


def test_signup_rejects_mismatched_passwords_and_duplicate_email(client, owner):
    response = client.post(
        reverse("account_signup"), {"email": "x@example.com", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    response = client.post(
        reverse("account_signup"), {"email": "owner@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert User.objects.count() == 1


def test_login_lands_on_meetings_list_for_a_member(client, member):
    response = client.post(reverse("account_login"), {"login": "member@example.com", "password": "pw-Secret-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:list")
    assert int(client.session["_auth_user_id"]) == member.pk


def test_login_without_organization_lands_on_organization_creation(client, make_user, db):
    make_user("lonely@example.com")
    response = client.post(reverse("account_login"), {"login": "lonely@example.com", "password": "pw-Secret-123"})
    assert response["Location"] == reverse("accounts:create")


def test_login_with_wrong_password_is_refused(client, member):
    response = client.post(reverse("account_login"), {"login": "member@example.com", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_logout(member_client):
    response = member_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in member_client.session


def test_password_reset_by_email(client, member):
    response = client.post(reverse("account_reset_password"), {"email": "member@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "Brand-New-Pass-7", "password2": "Brand-New-Pass-7"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Brand-New-Pass-7")


# --- organizations --------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, org):
    response = client.get(reverse("accounts:members", args=[org.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_create_organization_makes_creator_owner_and_current(client, make_user, db):
    user = make_user("founder@example.com")
    client.force_login(user)
    response = client.post(reverse("accounts:create"), {"name": "  새 팀  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:list")
    organization = Organization.objects.get(name="새 팀")
    assert Membership.objects.get(user=user, organization=organization).role == Role.OWNER
    assert client.session[SESSION_KEY] == organization.pk


def test_create_organization_requires_a_name(owner_client):
    response = owner_client.post(reverse("accounts:create"), {"name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_switch_organization(owner_client, owner, org):
    second = Organization.objects.create(name="Second")
    Membership.objects.create(user=owner, organization=second, role=Role.MEMBER)
    response = owner_client.post(reverse("accounts:switch"), {"organization": second.pk, "next": "/orgs/"})
    assert response.status_code == 302
    assert response["Location"] == "/orgs/"
    assert owner_client.session[SESSION_KEY] == second.pk
    page = owner_client.get(reverse("accounts:list"))
    assert page.context["current_organization"] == second
    assert 'action="/orgs/switch/"' in page.content.decode()


def test_switch_to_an_organization_you_are_not_in_is_404(owner_client, org, other_org):
    response = owner_client.post(reverse("accounts:switch"), {"organization": other_org.pk})
    assert response.status_code == 404
    assert owner_client.session.get(SESSION_KEY) != other_org.pk


def test_switch_ignores_offsite_next(owner_client, org):
    response = owner_client.post(reverse("accounts:switch"), {"organization": org.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("meetings:list")


def test_org_switcher_lists_only_own_organizations(owner_client, owner, org, other_org):
    second = Organization.objects.create(name="두번째 팀")
    Membership.objects.create(user=owner, organization=second, role=Role.ADMIN)
    page = owner_client.get(reverse("accounts:list")).content.decode()
    assert "두번째 팀" in page and org.name in page
    assert other_org.name not in page


# --- seed_demo ------------------------------------------------------------------------------


def test_seed_demo_creates_demo_login_once(client, db, capsys, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-Pass-2024")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "demo@nexochat.local" in out and "Demo-Pass-2024" in out
    user = User.objects.get(email="demo@nexochat.local")
    assert Membership.objects.get(user=user).organization.name == "데모 팀"
    assert Membership.objects.get(user=user).role == Role.OWNER

    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "already exist" in out
    assert User.objects.count() == 1 and Organization.objects.count() == 1

    response = client.post(reverse("account_login"), {"login": "demo@nexochat.local", "password": "Demo-Pass-2024"})
    assert response["Location"] == reverse("meetings:list")


def test_seed_demo_random_password_when_not_given(db, capsys, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    out = capsys.readouterr().out
    password = re.search(r"Password:\s+(\S+)", out).group(1)
    assert len(password) >= 12
    assert User.objects.get(email="demo@nexochat.local").check_password(password)


def test_seed_demo_does_nothing_when_users_exist(member, capsys):
    call_command("seed_demo")
    assert "already exist" in capsys.readouterr().out
    assert not User.objects.filter(email="demo@nexochat.local").exists()


@pytest.mark.parametrize("url_name", ["accounts:list", "accounts:create"])
def test_pages_render(owner_client, url_name):
    assert owner_client.get(reverse(url_name)).status_code == 200


def test_access_checks_in_a_request_reuse_the_memberships_loaded_once(
    rf, org, other_org, member, django_assert_num_queries
):
    from accounts.access import get_membership, membership_in
    from accounts.middleware import CurrentOrganizationMiddleware

    request = rf.get("/")
    request.user = member
    request.session = {}
    CurrentOrganizationMiddleware(lambda request: None)(request)
    assert request.organization == org
    with django_assert_num_queries(0):
        assert get_membership(member, org.pk).organization == org
        assert membership_in(member, org.pk).role == request.membership.role
    # Joined during the request: not in what the middleware loaded, so the database answers.
    Membership.objects.create(user=member, organization=other_org, role=Role.MEMBER)
    with django_assert_num_queries(1):
        assert get_membership(member, other_org.pk).organization == other_org
