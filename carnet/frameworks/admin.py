from django.contrib import admin

from carnet.frameworks.models import Competency, Framework, Indicator, Level


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0
    fields = ("order", "code", "name_fr", "name_en", "aligned_to")
    show_change_link = True


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("order", "text_fr", "text_en")


class LevelInline(admin.StackedInline):
    model = Level
    extra = 0
    fields = ("rank", ("name_fr", "name_en"), ("descriptor_fr", "descriptor_en"))


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "slug", "version", "status", "updated_at")
    list_filter = ("status",)
    search_fields = ("name_fr", "name_en", "slug")
    readonly_fields = ("uuid", "previous", "created_at", "updated_at")
    inlines = [CompetencyInline]


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "framework")
    list_filter = ("framework",)
    search_fields = ("code", "name_fr", "name_en")
    readonly_fields = ("uuid",)
    inlines = [IndicatorInline, LevelInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("text_fr", "competency")
    readonly_fields = ("uuid",)


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("competency", "rank", "name_fr")
    readonly_fields = ("uuid",)
