from django.urls import path

from carnet.organisations import views

app_name = "organisations"
urlpatterns = [
    path("organisations/<slug:org_slug>/membres/", views.members, name="members"),
    path("organisations/<slug:org_slug>/membres/<int:member_id>/", views.change, name="change"),
]
