from django.urls import path

from carnet.privacy import views

app_name = "privacy"
urlpatterns = [
    path("confidentialite/", views.policy, name="policy"),
    path("mon-compte/confidentialite/", views.mine, name="mine"),
    path("mon-compte/confidentialite/retirer/<slug:purpose>/", views.withdraw, name="withdraw"),
    path("mon-compte/confidentialite/archive/", views.export, name="export"),
    path("mon-compte/confidentialite/archive/<str:token>/", views.download, name="download"),
    path("mon-compte/supprimer/", views.delete, name="delete"),
]
