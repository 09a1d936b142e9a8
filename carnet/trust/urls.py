"""The staff's pages of known issuers, inside the language prefixes."""

from django.urls import path

from carnet.trust import views

app_name = "trust"
urlpatterns = [
    path("plateforme/emetteurs-reconnus/", views.known_issuers, name="issuers"),
    path("plateforme/emetteurs-reconnus/importer/", views.import_list, name="import"),
    path("plateforme/emetteurs-reconnus/export.json", views.export, name="export"),
    path("plateforme/emetteurs-reconnus/<int:entry_id>/retirer/", views.withdraw, name="withdraw"),
]
