"""Read-only views of issuing for the platform admin: changes go through the services (audit trail,
status lists, emails), and the sealed keys are never shown."""

from django.contrib import admin

from carnet.issuing.models import IssuedCredential, SigningKey, StatusList


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(ReadOnly):
    list_display = [
        "uuid",
        "organisation",
        "micro_credential_version",
        "recipient_email",
        "status",
        "issued_at",
    ]
    list_filter = ["status", "source", "organisation"]
    search_fields = ["uuid", "recipient_email", "idempotency_key"]
    exclude = ["document", "jwt"]


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnly):
    list_display = ["organisation", "fragment", "public_key_multibase", "created_at", "retired_at"]
    exclude = ["envelope"]


@admin.register(StatusList)
class StatusListAdmin(ReadOnly):
    list_display = ["organisation", "purpose", "number", "size", "updated_at"]
    exclude = ["encoded", "published"]
