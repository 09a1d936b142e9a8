from django.urls import path

from carnet.audit import views

app_name = "audit"
urlpatterns = [
    path("organisations/<slug:org_slug>/journal/", views.journal, name="journal"),
    path("organisations/<slug:org_slug>/journal.csv", views.journal_csv, name="journal_csv"),
]
