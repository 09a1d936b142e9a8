"""Pages of stacking, in the language-prefixed part of the site."""

from django.urls import path

from carnet.stacking import views

app_name = "stacked"
urlpatterns = [
    path("organisations/<slug:org_slug>/certificats-a-confirmer/", views.queue, name="queue"),
    path(
        "organisations/<slug:org_slug>/certificats-a-confirmer/<int:pk>/confirmer/",
        views.confirm,
        name="confirm",
    ),
    path(
        "organisations/<slug:org_slug>/certificats-a-confirmer/<int:pk>/refuser/",
        views.decline,
        name="decline",
    ),
    path("organisations/<slug:org_slug>/certificats-delivres/", views.issued_list, name="issued_list"),
    path(
        "organisations/<slug:org_slug>/certificats-delivres/<uuid:certificate_uuid>/",
        views.issued_detail,
        name="issued",
    ),
    path(
        "organisations/<slug:org_slug>/certificats-delivres/<uuid:certificate_uuid>/revoquer/",
        views.revoke,
        name="revoke",
    ),
    path("certificats-obtenus/<uuid:certificate_uuid>/", views.public, name="public"),
    path(
        "certificats-obtenus/<uuid:certificate_uuid>/certificat.json",
        views.public_document,
        name="public_json",
    ),
    path("mes-certificats/<uuid:certificate_uuid>/", views.mine, name="mine"),
    path("mes-certificats/<uuid:certificate_uuid>/partage/", views.change_visibility, name="visibility"),
    path("mes-certificats/<uuid:certificate_uuid>/telecharger/<slug:kind>/", views.download, name="download"),
]
