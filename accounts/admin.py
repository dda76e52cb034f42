from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import AuditLog, Invitation, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user", "organization")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_active", "is_staff", "date_joined", "last_login", "organization_count")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__organization")
    search_fields = ("email", "name", "first_name", "last_name")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("name", "first_name", "last_name", "timezone")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(organization_count=Count("memberships", distinct=True))

    @admin.display(description=_("organizations"), ordering="organization_count")
    def organization_count(self, user):
        return user.organization_count


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "member_count", "meeting_count", "created_at")
    search_fields = ("name", "slug")
    inlines = (MembershipInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("memberships", distinct=True), meeting_count=Count("meetings", distinct=True))
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, org):
        return org.member_count

    @admin.display(description=_("meetings"), ordering="meeting_count")
    def meeting_count(self, org):
        return org.meeting_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    search_fields = ("user__email", "organization__name")
    autocomplete_fields = ("user", "organization")
    list_select_related = ("user", "organization")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "organization",
        "role",
        "email",
        "created_by",
        "created_at",
        "expires_at",
        "accepted_by",
        "revoked_at",
    )
    list_filter = ("role", "organization")
    search_fields = ("email", "organization__name")
    readonly_fields = ("token", "accepted_by", "accepted_at")
    list_select_related = ("organization", "created_by", "accepted_by")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the services, never edited by hand."""

    list_display = ("created_at", "action", "organization", "actor", "target_type", "target_id", "ip")
    list_filter = ("action", "organization")
    search_fields = ("action", "target_id", "actor__email", "organization__name")
    list_select_related = ("organization", "actor")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
