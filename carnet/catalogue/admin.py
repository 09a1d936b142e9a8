from django.contrib import admin

from carnet.catalogue.models import Certificate, MicroCredential, MicroCredentialVersion, RequirementGroup


class VersionInline(admin.StackedInline):
    model = MicroCredentialVersion
    extra = 0
    readonly_fields = ("number", "published_at")


@admin.register(MicroCredential)
class MicroCredentialAdmin(admin.ModelAdmin):
    list_display = ("slug", "organisation", "status")
    list_filter = ("status", "organisation")
    inlines = [VersionInline]


@admin.register(RequirementGroup)
class RequirementGroupAdmin(admin.ModelAdmin):
    filter_horizontal = ("micro_credentials",)


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "organisation", "status")
