from django.urls import path

from carnet.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("catalogue/", views.browse, name="browse"),
    path("catalogue/<slug:org_slug>/<slug:slug>/", views.detail, name="detail"),
    path(
        "catalogue/<slug:org_slug>/<slug:slug>/endossements/<uuid:endorsement_uuid>.json",
        views.partner_endorsement,
        name="partner_endorsement",
    ),
    path("endossement-partenaire/merci/", views.partner_done, name="partner_done"),
    path("endossement-partenaire/<str:token>/", views.partner_review, name="partner_review"),
    path("certificats/<slug:org_slug>/<slug:slug>/", views.certificate_detail, name="certificate"),
    path("organisations/<slug:org_slug>/certificats/", views.certificates, name="certificates"),
    path(
        "organisations/<slug:org_slug>/certificats/nouveau/",
        views.certificate_create,
        name="certificate_create",
    ),
    path(
        "organisations/<slug:org_slug>/certificats/<slug:slug>/",
        views.certificate_edit,
        name="certificate_edit",
    ),
    path(
        "organisations/<slug:org_slug>/certificats/<slug:slug>/archiver/",
        views.certificate_archive,
        name="certificate_archive",
    ),
    path("organisations/<slug:org_slug>/catalogue/", views.manage, name="manage"),
    path("organisations/<slug:org_slug>/catalogue/nouvelle/", views.create, name="create"),
    path("organisations/<slug:org_slug>/catalogue/<slug:slug>/", views.edit, name="edit"),
    path("organisations/<slug:org_slug>/catalogue/<slug:slug>/publier/", views.publish, name="publish"),
    path("organisations/<slug:org_slug>/catalogue/<slug:slug>/archiver/", views.archive, name="archive"),
    path("organisations/<slug:org_slug>/catalogue/<slug:slug>/image/", views.design, name="design"),
    path("organisations/<slug:org_slug>/catalogue/<slug:slug>/revisee/", views.reviewed, name="reviewed"),
    path("organisations/<slug:org_slug>/catalogue/<slug:slug>/partenaires/", views.partners, name="partners"),
    path(
        "organisations/<slug:org_slug>/catalogue/<slug:slug>/partenaires/<uuid:request_uuid>/",
        views.partner_request,
        name="partner_request",
    ),
    path(
        "organisations/<slug:org_slug>/catalogue/<slug:slug>/besoin/",
        views.need_documents,
        name="need_documents",
    ),
    path(
        "organisations/<slug:org_slug>/catalogue/<slug:slug>/besoin/<int:document_id>/",
        views.need_document,
        name="need_document",
    ),
]
