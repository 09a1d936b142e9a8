from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from carnet.site import views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.health, name="health"),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("comptes/", include("allauth.urls")),
    path("referentiels/", include("carnet.frameworks.urls")),
    path("", include("carnet.catalogue.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
