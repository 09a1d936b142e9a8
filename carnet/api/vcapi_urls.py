"""The W3C VC API, outside the language prefixes (:mod:`carnet.api.vcapi`)."""

from django.urls import path

from carnet.api import vcapi

app_name = "vc_api"
urlpatterns = [
    path("credentials/issue", vcapi.issue_credential, name="issue"),
    path("credentials/verify", vcapi.verify_credential, name="verify_credential"),
    path("presentations/verify", vcapi.verify_presentation, name="verify_presentation"),
]
