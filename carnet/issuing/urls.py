"""The machine-readable documents each organisation publishes, outside the language prefixes: their
URLs are identifiers written into signed credentials and must never change."""

from django.urls import path

from carnet.issuing import views

app_name = "issuing"
urlpatterns = [
    path(".well-known/did.json", views.platform_did, name="platform_did"),
    path("organisations/<slug:org_slug>/did.json", views.did, name="did"),
    path("organisations/<slug:org_slug>/profil.json", views.profile, name="profile"),
    path(
        "organisations/<slug:org_slug>/microattestations/<slug:slug>/v<int:number>.json",
        views.achievement,
        name="achievement",
    ),
    path(
        "organisations/<slug:org_slug>/statuts/<slug:purpose>/<int:number>",
        views.status_list,
        name="status_list",
    ),
]
