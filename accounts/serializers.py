from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.auth.models import update_last_login
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from .access import memberships_for
from .models import Membership, Organization, Role, User


class UserSummarySerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "display_name"]
        read_only_fields = fields


class OrganizationSummarySerializer(serializers.ModelSerializer):
    slug = serializers.CharField(read_only=True, help_text="Letters of any script, digits and hyphens.")

    class Meta:
        model = Organization
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    """One of the requesting user's memberships: the organization and the user's role in it."""

    organization = OrganizationSummarySerializer(read_only=True)
    is_admin = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields = ["organization", "role", "is_admin", "created_at"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "name", "display_name", "timezone", "memberships"]
        read_only_fields = fields

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, user):
        return MembershipSerializer(memberships_for(user).order_by("created_at"), many=True).data


class OrganizationSerializer(serializers.Serializer):
    """An organization as the requesting user sees it, built from their membership in it."""

    id = serializers.IntegerField(source="organization.id", read_only=True)
    name = serializers.CharField(source="organization.name", read_only=True)
    slug = serializers.CharField(source="organization.slug", read_only=True)
    created_at = serializers.DateTimeField(source="organization.created_at", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    is_admin = serializers.BooleanField(read_only=True)


class MemberSerializer(serializers.ModelSerializer):
    """A member of an organization: the id to use in a meeting's participants, and the role."""

    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "role", "created_at"]
        read_only_fields = fields


class PasswordTokenSerializer(TokenObtainPairSerializer):
    """Email and password for a token pair, under the same failed-login limit as the sign-in page: the
    password goes through allauth's adapter, which counts failures per account, so an account locked
    after wrong passwords on the page is locked here too (and the other way round)."""

    def validate(self, attrs):
        request = self.context["request"]
        try:
            user = get_adapter(request).authenticate(request, email=attrs["email"], password=attrs["password"])
        except forms.ValidationError:
            raise exceptions.Throttled(
                detail=_("Too many failed sign-ins for this account. Try again in a few minutes.")
            ) from None
        if not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise exceptions.AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        self.user = user
        refresh = self.get_token(user)
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}
