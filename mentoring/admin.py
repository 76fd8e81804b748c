"""Django admin for operators (at /django-admin/): people, tokens, a read-only view of cohorts.

Cohorts and memberships are changed through Staffroom's own pages and API, which grant the
object permissions; the admin only shows them, so nothing bypasses the services.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from mentoring.accounts.services.tokens import revoke_api_token
from mentoring.core.errors import ServiceError
from mentoring.models import (
    AccessLogEntry,
    ApiToken,
    Cohort,
    DataExport,
    ErasureRequest,
    Membership,
    SignInPolicy,
    User,
)
from mentoring.privacy.services import erasure
from mentoring.privacy.services.export import request_export
from mentoring.sso import admin as sso_admin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Staffroom", {"fields": ("display_name", "email_preference")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email")
    actions = ["export_data", "erase_now"]

    @admin.action(description="Prepare a copy of their data (subject access request)")
    def export_data(self, request, queryset):
        """Staff ask on members' behalf: each is e-mailed when their copy is ready and only
        they can download it (the request is recorded with who asked)."""
        for user in queryset:
            try:
                request_export(user=user, requested_by=request.user)
            except ServiceError as error:
                self.message_user(request, f"{user.username}: {error.detail}", messages.ERROR)
                return
        self.message_user(
            request,
            f"Preparing {queryset.count()} cop{'y' if queryset.count() == 1 else 'ies'}; "
            "each member is e-mailed when theirs is ready.",
        )

    @admin.action(description="Erase the selected accounts now (under their cohorts' post policy)")
    def erase_now(self, request, queryset):
        """Queued for the background worker (``erase_user USERNAME --now`` runs it at once)."""
        started = 0
        for user in queryset:
            try:
                erasure.erase_now(user=user)
            except ServiceError as error:
                self.message_user(request, error.detail, messages.ERROR)
            else:
                started += 1
        self.message_user(request, f"{started} erasure(s) started; see Erasure requests.")


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    """Who asked for whose data and how it went; never the file (only its person downloads)."""

    list_display = ("user", "requested_by", "status", "created_at", "finished_at", "expires_at")
    list_filter = ("status",)
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    """Read-only: the requests and how far each got (they name the account by id only)."""

    list_display = ("pk", "user_id", "origin", "state", "step", "created_at", "due_at")
    list_filter = ("state", "origin")
    readonly_fields = [f.name for f in ErasureRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "user", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # Tokens are shown once: create them with `manage.py create_api_token`.

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            revoke_api_token(token=token)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "joined_at", "threads_read", "posts", "resource_views")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "starts_on", "ends_on", "edit_grace_seconds")
    search_fields = ("name",)
    inlines = [MembershipInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SignInPolicy)
class SignInPolicyAdmin(admin.ModelAdmin):
    """One row: staff decide here whether staff and tutors must use two-factor sign-in, and
    single sign-on (docs/sso.md)."""

    list_display = (
        "__str__",
        "require_two_factor_for_staff_and_tutors",
        "require_sso_for_staff_and_tutors",
        "sso_counts_as_two_factor",
    )

    def has_add_permission(self, request):
        return not SignInPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Every access log entry, read-only: members see theirs on their participation page."""

    list_display = ("created_at", "actor_name", "action", "subject", "cohort", "detail")
    list_filter = ("action",)
    search_fields = ("actor_name", "subject__username", "subject__display_name", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("subject", "cohort")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the retention job deletes them, after RETENTION_ACCESS_LOG_DAYS


# Identity providers for single sign-on: allauth's social applications, checked (mentoring.sso).
sso_admin.register()
