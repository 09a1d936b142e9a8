"""The verification API, outside the language prefixes: ``POST /api/verification``."""

from django.urls import path

from carnet.verification import api

app_name = "verification_api"
urlpatterns = [
    path("api/verification", api.verify_api, name="verify"),
]
