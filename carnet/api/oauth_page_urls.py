from django.urls import path

from carnet.api import oauth_views

app_name = "applications"
urlpatterns = [
    path("mon-compte/applications/", oauth_views.connected, name="connected"),
    path("mon-compte/applications/<int:application_id>/retirer/", oauth_views.withdraw, name="withdraw"),
]
