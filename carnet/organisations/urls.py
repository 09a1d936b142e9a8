from django.urls import path

from carnet.organisations import views

app_name = "organisations"
urlpatterns = [
    path("organisations/<slug:org_slug>/membres/", views.members, name="members"),
    path("organisations/<slug:org_slug>/membres/<int:member_id>/", views.change, name="change"),
    path(
        "organisations/<slug:org_slug>/invitations/<int:invitation_id>/annuler/",
        views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("organisations/<slug:org_slug>/parametres/", views.settings, name="settings"),
    path("organisations/<slug:org_slug>/cles-api/", views.api_keys, name="api_keys"),
    path(
        "organisations/<slug:org_slug>/cles-api/<int:key_id>/revoquer/",
        views.revoke_api_key,
        name="revoke_api_key",
    ),
    path("organisations/<slug:org_slug>/cles-de-signature/", views.signing_keys_page, name="signing_keys"),
    path(
        "organisations/<slug:org_slug>/cles-de-signature/remplacer/",
        views.rotate_signing_key,
        name="rotate_signing_key",
    ),
    path(
        "organisations/<slug:org_slug>/cles-de-signature/exporter/",
        views.export_signing_keys,
        name="export_signing_keys",
    ),
    path("plateforme/cles-de-signature/", views.signing_keys_page, name="platform_signing_keys"),
    path(
        "plateforme/cles-de-signature/remplacer/",
        views.rotate_signing_key,
        name="platform_rotate_signing_key",
    ),
    path(
        "plateforme/cles-de-signature/exporter/",
        views.export_signing_keys,
        name="platform_export_signing_keys",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("employeurs/nouveau/", views.create_employer, name="create_employer"),
]
