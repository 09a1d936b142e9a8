from django.urls import path

from carnet.portfolio import import_views, views

app_name = "portfolio"
urlpatterns = [
    path("mon-carnet/", views.carnet, name="carnet"),
    path("mon-carnet/partage/", views.sharing_settings, name="settings"),
    path("mon-carnet/cv-pdf/", views.cv, name="cv"),
    path("profils/<slug:slug>/", views.public_profile, name="profile"),
    path("badges/<uuid:credential_uuid>/", views.badge, name="badge"),
    path("badges/<uuid:credential_uuid>.json", views.badge_json, name="badge_json"),
    path("partage/<str:token>.json", views.shared_badge_json, name="shared_json"),
    path("partage/<str:token>/", views.shared_badge, name="shared"),
    path("mes-microattestations/<uuid:credential_uuid>/partage/", views.change_visibility, name="visibility"),
    path("mes-microattestations/<uuid:credential_uuid>/liens/", views.create_share_link, name="create_link"),
    path(
        "mes-microattestations/<uuid:credential_uuid>/liens/<int:link_id>/retirer/",
        views.withdraw_share_link,
        name="withdraw_link",
    ),
    path("mon-carnet/importer/", import_views.import_badge, name="import"),
    path("mon-carnet/importes/<uuid:badge_uuid>/", import_views.imported_badge, name="imported"),
    path("mon-carnet/importes/<uuid:badge_uuid>/verifier/", import_views.reverify, name="reverify_imported"),
    path("mon-carnet/importes/<uuid:badge_uuid>/supprimer/", import_views.delete, name="delete_imported"),
    path("mon-carnet/importes/<uuid:badge_uuid>/image.png", import_views.image, name="imported_image"),
    path("mon-carnet/importes/<uuid:badge_uuid>/original/", import_views.original, name="imported_original"),
    path(
        "mon-carnet/importes/<uuid:badge_uuid>/partage/",
        import_views.change_visibility,
        name="imported_visibility",
    ),
    path("badges-importes/<uuid:badge_uuid>/", import_views.shown, name="imported_shown"),
    path(
        "badges-importes/<uuid:badge_uuid>/image.png", import_views.shown_image, name="imported_shown_image"
    ),
]
