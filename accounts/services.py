"""Write paths for organizations, memberships and invitations. Views call these; the rules
(an organization always keeps an owner, admins cannot touch owners, invitations are single-use)
live here so every front end enforces the same ones."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nexochat.errors import ServiceError

from . import audit
from .middleware import SESSION_KEY
from .models import Invitation, Membership, Organization, Role


def select_organization(request, organization):
    request.session[SESSION_KEY] = organization.pk


@transaction.atomic
def create_organization(user, name):
    organization = Organization.objects.create(name=name.strip())
    Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    audit.record(user, organization, "organization.create", organization)
    return organization


def switch_organization(request, membership):
    """Make the organization of `membership` (already checked to be the user's) the current one."""
    select_organization(request, membership.organization)
    request.membership = membership
    request.organization = membership.organization


def _owner_count(organization):
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


def _check_may_manage(actor, target):
    """`actor` and `target` are memberships of the same organization."""
    if not actor.is_admin:
        raise ServiceError(_("Only owners and admins can manage members."), "not_admin")
    if actor.role != Role.OWNER and target.role == Role.OWNER:
        raise ServiceError(_("Only owners can change or remove an owner."), "owner_protected")


def _lock(membership):
    # Lock the organization's owner rows so two concurrent demotions cannot remove the last owner.
    list(Membership.objects.select_for_update().filter(organization_id=membership.organization_id, role=Role.OWNER))
    return Membership.objects.select_for_update().get(pk=membership.pk)


@transaction.atomic
def change_role(actor, target, role):
    if role not in Role.values:
        raise ServiceError(_("Unknown role."), "bad_role")
    target = _lock(target)
    _check_may_manage(actor, target)
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise ServiceError(_("Only owners can make someone an owner."), "owner_protected")
    if target.role == Role.OWNER and role != Role.OWNER and _owner_count(target.organization) <= 1:
        raise ServiceError(
            _("An organization must keep at least one owner. Make someone else an owner first."), "last_owner"
        )
    old_role = target.role
    target.role = role
    target.save(update_fields=["role"])
    audit.record(actor, actor.organization, "member.role", target, user=target.user.email, old=old_role, new=role)
    return target


@transaction.atomic
def remove_member(actor, target):
    target = _lock(target)
    _check_may_manage(actor, target)
    if target.role == Role.OWNER and _owner_count(target.organization) <= 1:
        raise ServiceError(_("The last owner of an organization cannot be removed."), "last_owner")
    audit.record(actor, actor.organization, "member.remove", target, user=target.user.email, role=target.role)
    target.delete()


@transaction.atomic
def leave_organization(membership):
    membership = _lock(membership)
    if membership.role == Role.OWNER and _owner_count(membership.organization) <= 1:
        raise ServiceError(_("You are the last owner. Make another member an owner before you leave."), "last_owner")
    audit.record(membership, membership.organization, "member.leave", membership, role=membership.role)
    membership.delete()


def create_invitation(actor, *, role=Role.MEMBER, email="", expires_at=None):
    if not actor.is_admin:
        raise ServiceError(_("Only owners and admins can invite people."), "not_admin")
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise ServiceError(_("Only owners can invite new owners."), "owner_protected")
    invitation = Invitation(
        organization=actor.organization, role=role, email=email.strip().lower(), created_by=actor.user
    )
    if expires_at is not None:
        invitation.expires_at = expires_at
    invitation.save()
    audit.record(actor, actor.organization, "invitation.create", invitation, role=role, email=invitation.email)
    return invitation


def revoke_invitation(actor, invitation):
    if not actor.is_admin:
        raise ServiceError(_("Only owners and admins can revoke invitations."), "not_admin")
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(actor, actor.organization, "invitation.revoke", invitation)
    return invitation


def invitation_problem(invitation, user=None):
    """Why this invitation cannot be accepted (by `user`, when given), or None."""
    if invitation.revoked_at is not None:
        return ServiceError(_("This invitation has been revoked. Ask for a new link."), "revoked")
    if invitation.accepted_at is not None:
        return ServiceError(_("This invitation has already been used. Ask for a new link."), "used")
    if invitation.expires_at <= timezone.now():
        return ServiceError(_("This invitation has expired. Ask for a new link."), "expired")
    if user is not None and invitation.email and invitation.email.lower() != user.email.lower():
        return ServiceError(
            _("This invitation is for %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email},
            "wrong_email",
        )
    return None


@transaction.atomic
def accept_invitation(invitation, user):
    """Turn a usable invitation into a membership; the link cannot be used again."""
    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    problem = invitation_problem(invitation, user)
    if problem is not None:
        raise problem
    if Membership.objects.filter(user=user, organization=invitation.organization).exists():
        raise ServiceError(_("You are already a member of this organization."), "already_member")
    membership = Membership.objects.create(user=user, organization=invitation.organization, role=invitation.role)
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    audit.record(
        user, invitation.organization, "invitation.accept", membership, invitation=invitation.pk, role=membership.role
    )
    return membership
