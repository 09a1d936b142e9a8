"""Pages about issued credentials, in the language-prefixed part of the site."""

from django.urls import path

from carnet.issuing import pages

app_name = "issued"
urlpatterns = [
    path("organisations/<slug:org_slug>/attestations/", pages.issued, name="list"),
    path(
        "organisations/<slug:org_slug>/attestations/<uuid:credential_uuid>/",
        pages.credential,
        name="credential",
    ),
    path(
        "organisations/<slug:org_slug>/attestations/<uuid:credential_uuid>/etat/",
        pages.change_status,
        name="change_status",
    ),
    path("mes-microattestations/<uuid:credential_uuid>/", pages.mine, name="mine"),
    path("mes-microattestations/<uuid:credential_uuid>/telecharger/", pages.download, name="download"),
]
