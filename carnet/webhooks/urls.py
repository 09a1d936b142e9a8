from django.urls import path

from carnet.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("organisations/<slug:org_slug>/webhooks/", views.endpoints, name="endpoints"),
    path("organisations/<slug:org_slug>/webhooks/<int:endpoint_id>/", views.endpoint, name="endpoint"),
    path("organisations/<slug:org_slug>/webhooks/<int:endpoint_id>/secret/", views.rotate, name="rotate"),
    path("organisations/<slug:org_slug>/webhooks/<int:endpoint_id>/essai/", views.ping, name="ping"),
    path("organisations/<slug:org_slug>/webhooks/<int:endpoint_id>/etat/", views.activate, name="activate"),
    path("organisations/<slug:org_slug>/webhooks/<int:endpoint_id>/retirer/", views.remove, name="remove"),
    path(
        "organisations/<slug:org_slug>/webhooks/livraisons/<int:delivery_id>/renvoyer/",
        views.send_again,
        name="send_again",
    ),
]
