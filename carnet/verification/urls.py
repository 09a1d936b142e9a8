"""The public verification page, inside the language prefixes (``/verifier/``, ``/en/verifier/``)."""

from django.urls import path

from carnet.verification import views

app_name = "verification"
urlpatterns = [
    path("verifier/", views.verify_page, name="page"),
]
