"""API for API clients: JWT tokens, the current user, and the user's organizations."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt import views as jwt_views

from .access import get_membership, memberships_for
from .models import Membership
from .serializers import MemberSerializer, MeSerializer, OrganizationSerializer, PasswordTokenSerializer


class _AuthThrottled:
    """Password guessing and token stuffing are rate limited per client address (scope "auth")."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class TokenObtainPairView(_AuthThrottled, jwt_views.TokenObtainPairView):
    """Exchange email and password for an access token and a refresh token. After 5 wrong passwords for
    an account (here or on the sign-in page) it is locked for 5 minutes: 429."""

    serializer_class = PasswordTokenSerializer


class TokenRefreshView(_AuthThrottled, jwt_views.TokenRefreshView):
    """Exchange a refresh token for a new access token (and a new refresh token; the old one is revoked)."""


class TokenVerifyView(_AuthThrottled, jwt_views.TokenVerifyView):
    """Check that a token is valid and unexpired."""


class TokenBlacklistView(_AuthThrottled, jwt_views.TokenBlacklistView):
    """Log out: revoke a refresh token."""


class MeView(RetrieveAPIView):
    """The signed-in user and their memberships, with roles."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


@extend_schema_view(
    list=extend_schema(summary="The organizations the user belongs to, with the user's role"),
    retrieve=extend_schema(summary="One of the user's organizations"),
)
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganizationSerializer
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return memberships_for(self.request.user).order_by("organization__name", "organization_id")

    def get_object(self):
        return get_membership(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="Members of the organization (their ids are what a meeting's participants take)",
        responses=MemberSerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=MemberSerializer, pagination_class=None)
    def members(self, request, pk=None):
        membership = self.get_object()
        members = (
            Membership.objects.filter(organization=membership.organization)
            .select_related("user")
            .order_by("user__name", "user__email")
        )
        return Response(MemberSerializer(members, many=True).data)
