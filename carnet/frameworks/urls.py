from django.urls import path

from carnet.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("gestion/", views.manage, name="manage"),
    path("gestion/nouveau/", views.create, name="create"),
    path("gestion/importer/", views.import_file, name="import"),
    path("gestion/<uuid:framework_uuid>/", views.edit, name="edit"),
    path("gestion/<uuid:framework_uuid>/publier/", views.publish, name="publish"),
    path("gestion/<uuid:framework_uuid>/archiver/", views.archive, name="archive"),
    path("gestion/<uuid:framework_uuid>/export.csv", views.export_csv, name="export_csv"),
    path("gestion/<uuid:framework_uuid>/case.json", views.export_case, name="export_case"),
    path("<slug:slug>/", views.detail, name="detail"),
]
