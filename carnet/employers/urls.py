from django.urls import path

from carnet.employers import views

app_name = "employers"
urlpatterns = [
    path("employeurs/<slug:org_slug>/postes/", views.jobs, name="jobs"),
    path("employeurs/<slug:org_slug>/postes/<int:job_id>/", views.job, name="job"),
    path(
        "employeurs/<slug:org_slug>/postes/<int:job_id>/badges/<uuid:credential_uuid>/",
        views.candidate_badge,
        name="candidate_badge",
    ),
    path(
        "employeurs/<slug:org_slug>/postes/<int:job_id>/contacter/<int:learner_id>/",
        views.contact,
        name="contact",
    ),
    path("employeurs/<slug:org_slug>/endossements/", views.partner_requests, name="partner_requests"),
    path(
        "employeurs/<slug:org_slug>/endossements/<uuid:request_uuid>/",
        views.partner_request,
        name="partner_request",
    ),
    path("mes-contacts/", views.my_contacts, name="my_contacts"),
    path("mes-contacts/<uuid:contact_uuid>/", views.my_contact, name="my_contact"),
]
