from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from carnet.api import ob_urls
from carnet.api import organisation as organisation_api
from carnet.site import observability, views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.health, name="health"),
    path("livez", views.alive, name="alive"),
    path("metrics", observability.metrics, name="metrics"),  # Prometheus, with CARNET_METRICS_TOKEN only
    path("langue/<str:language>", views.switch_language, name="switch_language"),
    path("", include("carnet.issuing.urls")),  # DID documents, profiles, status lists: no language prefix
    path("", include("carnet.stacking.urls")),  # the Achievement of each certificate: no language prefix
    path("", include("carnet.verification.api_urls")),  # POST /api/verification
    path("", include("carnet.api.vcapi_urls")),  # the W3C VC API: /credentials/issue, /…/verify
    path("api/v1/", organisation_api.urls()),  # the organisation API (bearer keys, problem details)
    re_path(r"^api/v1/", organisation_api.not_found),
    path("oauth/", include(ob_urls.oauth)),  # the Open Badges API's OAuth 2.0 (carnet.api)
    path("ims/ob/v3p0/", include(ob_urls.ob_api)),  # the Open Badges 3.0 REST API
]
if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
    # The embedded default serves its badge images (uploaded SVGs are sanitised first), and only them:
    # evidence files are read through the access-checked view of their request, never from here.
    # With object storage (S3 and the like) the badge images are served from there instead.
    urlpatterns.append(re_path(r"^media/(?P<path>badges/.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    # The badge pages first: Django tries the patterns in order, and they are the pages most asked for
    # (bench/public_pages.py); no other pattern matches their addresses.
    path("", include("carnet.portfolio.urls")),
    path("comptes/", include("allauth.urls")),
    path("referentiels/", include("carnet.frameworks.urls")),
    path("", include("carnet.catalogue.urls")),
    path("", include("carnet.organisations.urls")),
    path("", include("carnet.webhooks.urls")),
    path("", include("carnet.recognition.urls")),
    path("", include("carnet.inbox.urls")),
    path("", include("carnet.issuing.page_urls")),
    path("", include("carnet.audit.urls")),
    path("", include("carnet.insights.urls")),
    path("", include("carnet.verification.urls")),
    path("", include("carnet.trust.urls")),  # the known issuers, for the platform's staff
    path("", include("carnet.employers.urls")),
    path("", include("carnet.stacking.page_urls")),
    path("", include("carnet.api.oauth_page_urls")),  # « Applications connectées »
    path("equipe/travaux-en-echec/", views.failed_work, name="failed_work"),
    path("equipe/travaux-en-echec/taches/<uuid:task_id>/relancer", views.retry_task, name="retry_task"),
    path("equipe/travaux-en-echec/lots/<uuid:job_uuid>/relancer", views.retry_job, name="retry_job"),
    path("", include("carnet.privacy.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
