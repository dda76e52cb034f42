from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nexochat.errors import ServiceError

from . import services
from .access import get_membership, memberships_for
from .forms import InvitationForm, OrganizationForm, RoleForm, SwitchOrganizationForm
from .models import Invitation, Membership, Role


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@login_required
@require_safe
def organization_list(request: HttpRequest) -> HttpResponse:
    memberships = memberships_for(request.user).order_by("organization__name")
    return render(request, "accounts/organization_list.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.create_organization(request.user, form.cleaned_data["name"])
        services.select_organization(request, organization)
        messages.success(request, _("Organization “%(name)s” created.") % {"name": organization.name})
        return redirect("meetings:list")
    first = not memberships_for(request.user).exists()
    return render(request, "accounts/organization_form.html", {"form": form, "first_organization": first})


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    form = SwitchOrganizationForm(request.POST)
    if not form.is_valid():
        return redirect("accounts:list")
    membership = get_membership(request.user, form.cleaned_data["organization"])
    services.switch_organization(request, membership)
    return redirect(_safe_next(request, reverse("meetings:list")))


def _member_context(membership, invitation_form=None):
    organization = membership.organization
    members = Membership.objects.filter(organization=organization).select_related("user").order_by("created_at", "pk")
    invitations = []
    if membership.is_admin:
        invitations = Invitation.objects.filter(
            organization=organization, revoked_at__isnull=True, accepted_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("created_by")
    assignable = Role.choices if membership.role == Role.OWNER else [c for c in Role.choices if c[0] != Role.OWNER]
    return {
        "organization": organization,
        "membership": membership,
        "members": members,
        "invitations": invitations,
        "invitation_form": invitation_form or InvitationForm(actor=membership),
        "assignable_roles": assignable,
        "owner_count": sum(1 for m in members if m.role == Role.OWNER),
    }


@login_required
@require_safe
def members(request: HttpRequest, org_id: int) -> HttpResponse:
    membership = get_membership(request.user, org_id)
    return render(request, "accounts/members.html", _member_context(membership))


def _target(actor, membership_id):
    return get_object_or_404(
        Membership.objects.select_related("user", "organization"), pk=membership_id, organization=actor.organization
    )


def _refuse(request, error):
    if error.code == "not_admin" or error.code == "owner_protected":
        raise PermissionDenied(str(error))
    messages.error(request, str(error))


@login_required
@require_POST
def member_role(request: HttpRequest, org_id: int, membership_id: int) -> HttpResponse:
    actor = get_membership(request.user, org_id)
    target = _target(actor, membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(actor, target, form.cleaned_data["role"])
        except ServiceError as error:
            _refuse(request, error)
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s.")
                % {"user": target.user.display_name, "role": Role(form.cleaned_data["role"]).label},
            )
    else:
        messages.error(request, _("Unknown role."))
    return redirect("accounts:members", org_id=org_id)


@login_required
@require_POST
def member_remove(request: HttpRequest, org_id: int, membership_id: int) -> HttpResponse:
    actor = get_membership(request.user, org_id)
    target = _target(actor, membership_id)
    if target.pk == actor.pk:
        return leave(request, org_id)
    try:
        services.remove_member(actor, target)
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, _("%(user)s was removed.") % {"user": target.user.display_name})
    return redirect("accounts:members", org_id=org_id)


@login_required
@require_POST
def leave(request: HttpRequest, org_id: int) -> HttpResponse:
    membership = get_membership(request.user, org_id)
    try:
        services.leave_organization(membership)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("accounts:members", org_id=org_id)
    messages.success(request, _("You left “%(name)s”.") % {"name": membership.organization.name})
    if not memberships_for(request.user).exists():
        return redirect("accounts:create")
    return redirect("meetings:list")


@login_required
@require_POST
def invitation_create(request: HttpRequest, org_id: int) -> HttpResponse:
    actor = get_membership(request.user, org_id)
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can invite people."))
    form = InvitationForm(request.POST, actor=actor)
    if not form.is_valid():
        return render(request, "accounts/members.html", _member_context(actor, form), status=400)
    try:
        invitation = services.create_invitation(
            actor, role=form.cleaned_data["role"], email=form.cleaned_data["email"], expires_at=form.expires_at
        )
    except ServiceError as error:
        raise PermissionDenied(str(error)) from error
    link = request.build_absolute_uri(reverse("accounts:invitation", args=[invitation.token]))
    messages.success(request, _("Invitation link created: %(link)s") % {"link": link})
    return redirect("accounts:members", org_id=org_id)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, org_id: int, invitation_id: int) -> HttpResponse:
    actor = get_membership(request.user, org_id)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=actor.organization)
    try:
        services.revoke_invitation(actor, invitation)
    except ServiceError as error:
        raise PermissionDenied(str(error)) from error
    messages.success(request, _("Invitation revoked."))
    return redirect("accounts:members", org_id=org_id)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens. Anyone holding the link may see which organization it is for."""
    invitation = get_object_or_404(Invitation.objects.select_related("organization", "created_by"), token=token)
    context = {"invitation": invitation, "organization": invitation.organization}
    if not request.user.is_authenticated:
        problem = services.invitation_problem(invitation)
        if problem is not None:
            return render(request, "accounts/invitation.html", {**context, "problem": problem}, status=410)
        query = urlencode({"next": request.get_full_path()})
        context["signup_url"] = f"{reverse('account_signup')}?{query}"
        context["login_url"] = f"{reverse('account_login')}?{query}"
        return render(request, "accounts/invitation.html", context)

    already = Membership.objects.filter(user=request.user, organization=invitation.organization).first()
    if request.method == "POST":
        try:
            membership = services.accept_invitation(invitation, request.user)
        except ServiceError as error:
            if error.code == "already_member":
                messages.info(request, str(error))
                services.switch_organization(request, already)
                return redirect("meetings:list")
            status = 403 if error.code == "wrong_email" else 410
            return render(request, "accounts/invitation.html", {**context, "problem": error}, status=status)
        services.switch_organization(request, membership)
        messages.success(request, _("Welcome to “%(name)s”.") % {"name": membership.organization.name})
        return redirect("meetings:list")

    if already is not None:
        context["already_member"] = True
        return render(request, "accounts/invitation.html", context)
    problem = services.invitation_problem(invitation, request.user)
    if problem is not None:
        status = 403 if problem.code == "wrong_email" else 410
        return render(request, "accounts/invitation.html", {**context, "problem": problem}, status=status)
    return render(request, "accounts/invitation.html", context)
