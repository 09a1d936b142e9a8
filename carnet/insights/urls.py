from django.urls import path

from carnet.insights import views

app_name = "insights"
urlpatterns = [
    path("organisations/<slug:org_slug>/chiffres/", views.organisation_page, name="organisation"),
    path("organisations/<slug:org_slug>/chiffres.csv", views.organisation_csv, name="organisation_csv"),
    path("plateforme/chiffres/", views.platform_page, name="platform"),
    path("plateforme/chiffres.csv", views.platform_csv, name="platform_csv"),
    path("verifier/enquete/", views.answer_survey, name="survey"),
]
