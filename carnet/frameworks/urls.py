from django.urls import path

from carnet.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("gestion/", views.manage, name="manage"),
    path("gestion/nouveau/", views.create, name="create"),
    path("gestion/importer/", views.import_file, name="import"),
    path("gestion/<uuid:framework_uuid>/", views.edit, name="edit"),
    path("gestion/<uuid:framework_uuid>/competences/ajouter/", views.competency_add, name="competency_add"),
    path(
        "gestion/<uuid:framework_uuid>/competences/<uuid:competency_uuid>/",
        views.competency_edit,
        name="competency_edit",
    ),
    path(
        "gestion/<uuid:framework_uuid>/competences/<uuid:competency_uuid>/supprimer/",
        views.competency_delete,
        name="competency_delete",
    ),
    path("gestion/<uuid:framework_uuid>/publier/", views.publish, name="publish"),
    path("gestion/<uuid:framework_uuid>/archiver/", views.archive, name="archive"),
    path("gestion/<uuid:framework_uuid>/export.csv", views.export_csv, name="export_csv"),
    path("gestion/<uuid:framework_uuid>/case.json", views.export_case, name="export_case"),
    path("<slug:slug>/", views.detail, name="detail"),
]
