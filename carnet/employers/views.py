"""The employer workspace (jobs, search, contacts) and the learner's side of contacts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.employers import search, services
from carnet.employers.forms import AnswerForm, ContactForm, JobForm
from carnet.employers.models import Contact, Job
from carnet.insights import services as insights
from carnet.insights.models import Verification
from carnet.organisations.access import access_organisation
from carnet.organisations.models import Organisation

ROLES = ("admin", "assessor", "member")


def access_employer(user: object, org_slug: str) -> Organisation:
    organisation = access_organisation(user, org_slug, roles=ROLES)  # type: ignore[arg-type]
    if organisation.kind != Organisation.Kind.EMPLOYER:
        raise Http404
    return organisation


@login_required
def jobs(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_employer(request.user, org_slug)
    form = JobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.create_job(
                organisation=organisation, title=form.cleaned_data["title"],
                description=form.cleaned_data["description"], requirements=form.requirements(), actor=request.user,
            )  # fmt: skip
        except services.EmployerError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("employers:job", organisation.slug, job.pk)
    return render(
        request,
        "employers/jobs.html",
        {
            "organisation": organisation,
            "jobs": organisation.jobs.prefetch_related("requirements__competency"),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def job(request: HttpRequest, org_slug: str, job_id: int) -> HttpResponse:
    organisation = access_employer(request.user, org_slug)
    item = get_object_or_404(Job, pk=job_id, organisation=organisation)
    candidates = search.search(item)
    insights.record_search(
        employer=organisation,
        job=item,
        competency_ids=item.requirements.values_list("competency_id", flat=True),
    )
    return render(
        request,
        "employers/job.html",
        {
            "organisation": organisation,
            "job": item,
            "requirements": item.requirements.select_related("competency"),
            "candidates": candidates,
            "contacts": item.contacts.select_related("learner"),
            "form": ContactForm(),
        },
    )


@login_required
def candidate_badge(request: HttpRequest, org_slug: str, job_id: int, credential_uuid: str) -> HttpResponse:
    """The badge page of a credential the search shows for this job (a learner who consents to be
    found, a valid credential attesting a competency the job asks for), even while it is private:
    consenting to be found is agreeing that employers see one's valid credentials. Nothing else."""
    from carnet.portfolio.views import _badge_page, _verified

    organisation = access_employer(request.user, org_slug)
    item = get_object_or_404(Job, pk=job_id, organisation=organisation)
    credential = search.shown_credential(item, credential_uuid)
    if credential is None:
        raise Http404
    response = _badge_page(request, credential, is_holder=False)
    response = _verified(
        request, response, credential, channel=Verification.Channel.SEARCH, employer=organisation
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def contact(request: HttpRequest, org_slug: str, job_id: int, learner_id: int) -> HttpResponse:
    organisation = access_employer(request.user, org_slug)
    item = get_object_or_404(Job, pk=job_id, organisation=organisation)
    learner = get_object_or_404(search.consenting_learners(), pk=learner_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_learner(organisation=organisation, job=item, learner=learner,
                                     message=form.cleaned_data["message"], sender=request.user)  # fmt: skip
        except services.EmployerError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Message envoyé. Vous verrez sa réponse ici."))
    else:
        messages.error(request, _("Écrivez votre message."))
    return redirect("employers:job", organisation.slug, item.pk)


@login_required
def my_contacts(request: HttpRequest) -> HttpResponse:
    contacts = Contact.objects.filter(learner=request.user).select_related("organisation", "job")
    return render(request, "employers/my_contacts.html", {"contacts": contacts})


@login_required
def my_contact(request: HttpRequest, contact_uuid: str) -> HttpResponse:
    item = get_object_or_404(
        Contact.objects.select_related("organisation", "job"), uuid=contact_uuid, learner=request.user
    )
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                services.decline_contact(contact=item, actor=request.user)
                messages.success(
                    request, _("Vous avez décliné. L'employeur ne verra pas votre adresse courriel.")
                )
                return redirect("employers:my_contacts")
            if form.is_valid():
                services.answer_contact(contact=item, answer=form.cleaned_data["answer"], actor=request.user)
                messages.success(request, _("Réponse envoyée."))
                return redirect("employers:my_contact", item.uuid)
        except services.EmployerError as exc:
            form.add_error(None, str(exc))
    return render(request, "employers/my_contact.html", {"contact": item, "form": form},
                  status=400 if request.method == "POST" else 200)  # fmt: skip


# --- requests to endorse a definition (carnet.catalogue) ------------------------------------------------


def _partner_requests(organisation: Organisation, user: Any) -> Any:
    """The open requests addressed to one of ``user``'s confirmed addresses: only the contact the
    request was sent to answers it (checked again on each page, and by the service on answering),
    never another member of their employer."""
    from carnet.catalogue.models import PartnerEndorsement
    from carnet.privacy.services import verified_emails

    emails = verified_emails(user)
    if not emails:
        return PartnerEndorsement.objects.none()
    return (
        PartnerEndorsement.objects.filter(contact_email__in=emails, status=PartnerEndorsement.Status.PENDING,
                                          expires_at__gt=timezone.now())
        .select_related("version__micro_credential__organisation")
        .order_by("expires_at")
    )  # fmt: skip


@login_required
def partner_requests(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_employer(request.user, org_slug)
    return render(
        request,
        "employers/partner_requests.html",
        {"organisation": organisation, "requests": _partner_requests(organisation, request.user)},
    )


@login_required
def partner_request(request: HttpRequest, org_slug: str, request_uuid: str) -> HttpResponse:
    from carnet.catalogue.views import answer_partner_request

    organisation = access_employer(request.user, org_slug)
    found = get_object_or_404(_partner_requests(organisation, request.user), uuid=request_uuid)
    return answer_partner_request(request, found, action_url=request.path, workspace=organisation)
