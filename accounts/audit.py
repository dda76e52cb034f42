"""The audit log: one call from each write path that a security reviewer would ask about
(membership, invitations, sharing, meeting deletion, organization settings).

Service functions have no request, so the client address comes from a context variable that
`nexochat.security.SecurityMiddleware` sets for the duration of each request."""

import contextvars
import logging

from .models import AuditLog

logger = logging.getLogger(__name__)

_client_ip = contextvars.ContextVar("audit_client_ip", default=None)


def set_client_ip(ip):
    """Returns a token for `reset_client_ip`."""
    return _client_ip.set(ip)


def reset_client_ip(token):
    _client_ip.reset(token)


def _user(actor):
    """A Membership, a User or None."""
    if actor is None:
        return None
    user = getattr(actor, "user", actor)
    return user if getattr(user, "is_authenticated", False) else None


def record(actor, organization, action, target=None, **details):
    """Add one entry. `actor` is a User or a Membership; `target` any model instance (or None).

    Extra keyword arguments land in `details` and must be JSON-serialisable."""
    user = _user(actor)
    if organization is None and actor is not None:
        organization = getattr(actor, "organization", None)
    if organization is not None:
        details.setdefault("organization_name", organization.name)
    if user is not None:
        details.setdefault("actor_email", user.email)
    entry = AuditLog.objects.create(
        actor=user,
        organization=organization,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        details=details,
        ip=_client_ip.get(),
    )
    logger.info("audit %s by %s on %s:%s", action, user, entry.target_type, entry.target_id)
    return entry


def entries_for(organization):
    return AuditLog.objects.filter(organization=organization).select_related("actor")
