"""The public Achievement of each certificate, outside the language prefixes: its URL is the
achievement's id, written into signed credentials, and must never change."""

from django.urls import path

from carnet.stacking import views

app_name = "stacking"
urlpatterns = [
    path("organisations/<slug:org_slug>/certificats/<slug:slug>.json", views.achievement, name="achievement"),
]
