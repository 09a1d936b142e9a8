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
    path("mes-certificats/<uuid:certificate_uuid>/", views.mine, name="mine"),
    path("mes-certificats/<uuid:certificate_uuid>/telecharger/<slug:kind>/", views.download, name="download"),
]
