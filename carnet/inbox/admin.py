from django.contrib import admin

from carnet.inbox.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]
