"""Reading what a request asks for: validated query parameters and the organization it is about."""

from accounts.access import get_membership, memberships_for
from nexochat.errors import ServiceError


def query(request, serializer_class):
    """The validated query parameters (400 on bad ones)."""
    parameters = serializer_class(data=request.query_params)
    parameters.is_valid(raise_exception=True)
    return dict(parameters.validated_data)


def organization_or_all(user, organization_id):
    """The organization a list is limited to (the user must belong to it), or None for all of theirs."""
    return get_membership(user, organization_id).organization if organization_id else None


def organization(user, organization_id):
    """The organization named (the user must belong to it); without one, the user's only organization."""
    if organization_id is not None:
        return get_membership(user, organization_id).organization
    memberships = list(memberships_for(user)[:2])
    if len(memberships) != 1:
        raise ServiceError("Say which organization (organization).", "invalid")
    return memberships[0].organization
