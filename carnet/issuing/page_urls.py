"""Pages about issued credentials, in the language-prefixed part of the site."""

from django.urls import path

from carnet.issuing import bulk_pages, downloads, pages

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
    # bulk issuance from a CSV file (carnet.issuing.bulk_pages)
    path("organisations/<slug:org_slug>/delivrance-en-lot/", bulk_pages.jobs, name="bulk"),
    path(
        "organisations/<slug:org_slug>/delivrance-en-lot/modele.csv",
        bulk_pages.template,
        name="bulk_template",
    ),
    path("organisations/<slug:org_slug>/delivrance-en-lot/<uuid:job_uuid>/", bulk_pages.job, name="bulk_job"),
    path(
        "organisations/<slug:org_slug>/delivrance-en-lot/<uuid:job_uuid>/progression.json",
        bulk_pages.progress,
        name="bulk_progress",
    ),
    path(
        "organisations/<slug:org_slug>/delivrance-en-lot/<uuid:job_uuid>/confirmer/",
        bulk_pages.confirm,
        name="bulk_confirm",
    ),
    path(
        "organisations/<slug:org_slug>/delivrance-en-lot/<uuid:job_uuid>/abandonner/",
        bulk_pages.discard,
        name="bulk_discard",
    ),
    path(
        "organisations/<slug:org_slug>/delivrance-en-lot/<uuid:job_uuid>/reprendre/",
        bulk_pages.resume,
        name="bulk_resume",
    ),
    path(
        "organisations/<slug:org_slug>/delivrance-en-lot/<uuid:job_uuid>/resultats.csv",
        bulk_pages.download,
        name="bulk_download",
    ),
    path("mes-microattestations/<uuid:credential_uuid>/", pages.mine, name="mine"),
    path("mes-microattestations/<uuid:credential_uuid>/telecharger/", pages.download, name="download"),
    path("mes-microattestations/<uuid:credential_uuid>/telecharger/jwt/", downloads.jwt, name="download_jwt"),
    path(
        "mes-microattestations/<uuid:credential_uuid>/telecharger/png/",
        downloads.baked_png,
        name="download_png",
    ),
    path(
        "mes-microattestations/<uuid:credential_uuid>/telecharger/svg/",
        downloads.baked_svg,
        name="download_svg",
    ),
    path("mes-microattestations/<uuid:credential_uuid>/qr.svg", downloads.qr_svg, name="qr_svg"),
    path("mes-microattestations/<uuid:credential_uuid>/qr.png", downloads.qr_png, name="qr_png"),
    path(
        "mes-microattestations/<uuid:credential_uuid>/qr-portefeuille.svg",
        downloads.wallet_qr_svg,
        name="wallet_qr_svg",
    ),
    path(
        "mes-microattestations/<uuid:credential_uuid>/qr-portefeuille.png",
        downloads.wallet_qr_png,
        name="wallet_qr_png",
    ),
    path("mes-microattestations/<uuid:credential_uuid>/linkedin/", downloads.linkedin, name="linkedin"),
]
