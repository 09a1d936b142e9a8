from django.urls import path

from carnet.recognition.views import endorse, requests, review, skills

app_name = "recognition"
urlpatterns = [
    # self-recognition: the learner's skills profile
    path("competences/", skills.profile, name="skills"),
    path("competences/<uuid:competency_uuid>/", skills.claim, name="claim"),
    path("competences/<uuid:competency_uuid>/retirer/", skills.unclaim, name="unclaim"),
    # the learner's requests
    path("demandes/", requests.my_requests, name="requests"),
    path("demandes/ouvrir/<slug:org_slug>/<slug:slug>/", requests.open_request, name="open"),
    path("demandes/<uuid:request_uuid>/", requests.detail, name="request"),
    path("demandes/<uuid:request_uuid>/brouillon/", requests.autosave, name="autosave"),
    path("demandes/<uuid:request_uuid>/lieux/", requests.places, name="places"),
    path("demandes/<uuid:request_uuid>/preuves/", requests.add_evidence, name="add_evidence"),
    path("demandes/<uuid:request_uuid>/preuves/<int:evidence_id>/", requests.evidence_file, name="evidence"),
    path(
        "demandes/<uuid:request_uuid>/preuves/<int:evidence_id>/retirer/",
        requests.remove_evidence,
        name="remove_evidence",
    ),
    path("demandes/<uuid:request_uuid>/endosseurs/", requests.invite, name="invite"),
    path(
        "demandes/<uuid:request_uuid>/endosseurs/<uuid:invitation_uuid>/renvoyer/",
        requests.resend,
        name="resend",
    ),
    path(
        "demandes/<uuid:request_uuid>/endosseurs/<uuid:invitation_uuid>/annuler/",
        requests.cancel_invitation,
        name="cancel_invitation",
    ),
    path("demandes/<uuid:request_uuid>/soumettre/", requests.submit, name="submit"),
    path("demandes/<uuid:request_uuid>/retirer/", requests.withdraw, name="withdraw"),
    path("demandes/<uuid:request_uuid>/messages/", requests.message, name="message"),
    # endorsers (no account)
    path("endosser/<str:token>/", endorse.endorse, name="endorse"),
    path("endosser/<str:token>/decliner/", endorse.decline, name="decline_endorsement"),
    # assessors
    path("organisations/<slug:org_slug>/demandes/", review.queue, name="queue"),
    path("evaluation/<uuid:request_uuid>/", review.review, name="review"),
    path("evaluation/<uuid:request_uuid>/assigner/", review.assign, name="assign"),
    path("evaluation/<uuid:request_uuid>/decision/", review.decide, name="decide"),
    path("evaluation/<uuid:request_uuid>/messages/", review.message, name="review_message"),
]
