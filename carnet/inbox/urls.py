from django.urls import path

from carnet.inbox import views

app_name = "inbox"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:notification_id>/", views.open_notification, name="open"),
    path("notifications/tout-lu/", views.mark_all_read, name="mark_all_read"),
]
