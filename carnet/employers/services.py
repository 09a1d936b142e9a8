"""Writes of the employer workspace, each atomic and recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record_event
from carnet.employers.models import Contact, Job, JobRequirement
from carnet.inbox.services import notify, site_path
from carnet.organisations.models import Organisation
from carnet.portfolio.services import consents_to_search
from carnet.privacy import consents
from carnet.privacy.services import record_consent

CONTACTS_PER_DAY = 30  # per employer: a workspace to recruit, not to send bulk mail


class EmployerError(ValueError):
    """A refused action; the message is for the person who asked."""


@transaction.atomic
def create_job(
    *,
    organisation: Organisation,
    title: str,
    description: str,
    requirements: Iterable[tuple[Any, int]],
    actor: Any,
) -> Job:
    if organisation.kind != Organisation.Kind.EMPLOYER:
        raise EmployerError(_("Seul un employeur décrit des postes."))
    requirements = list(requirements)
    if not requirements:
        raise EmployerError(_("Indiquez au moins une compétence recherchée."))
    job = Job.objects.create(organisation=organisation, title=title.strip(), description=description.strip(),
                             created_by=actor)  # fmt: skip
    for competency, rank in requirements:
        top = competency.levels.count()
        if not 1 <= rank <= max(top, 1):
            raise EmployerError(
                _("« %(competency)s » a %(top)s niveaux.") % {"competency": competency.name(), "top": top}
            )
        JobRequirement.objects.create(job=job, competency=competency, minimum_rank=rank)
    record_event(verb="job.created", actor=actor, organisation=organisation, target=job)
    return job


@transaction.atomic
def contact_learner(
    *, organisation: Organisation, job: Job | None, learner: Any, message: str, sender: Any
) -> Contact:
    """Write to a learner found in a search. They must still consent; the employer never sees their
    email here. One open message per learner and job, and a daily limit per employer."""
    if not consents_to_search(learner):
        raise EmployerError(_("Cette personne ne souhaite plus être contactée par les employeurs."))
    if not message.strip():
        raise EmployerError(_("Écrivez votre message."))
    Organisation.objects.select_for_update().get(pk=organisation.pk)  # one count at a time
    since = timezone.now() - timedelta(days=1)
    if Contact.objects.filter(organisation=organisation, created_at__gte=since).count() >= CONTACTS_PER_DAY:
        raise EmployerError(
            _("Vous avez écrit à %(count)s personnes aujourd'hui : réessayez demain.")
            % {"count": CONTACTS_PER_DAY}
        )
    if Contact.objects.filter(
        organisation=organisation, job=job, learner=learner, answered_at=None, declined_at=None
    ).exists():
        raise EmployerError(_("Vous avez déjà écrit à cette personne pour ce poste : attendez sa réponse."))
    contact = Contact.objects.create(organisation=organisation, job=job, learner=learner, message=message.strip(),
                                     sender=sender)  # fmt: skip
    record_event(verb="contact.sent", actor=sender, organisation=organisation, target=contact)
    link = site_path("employers:my_contact", contact.uuid)
    transaction.on_commit(
        lambda: notify(learner, "contact.received", link=link, organisation=organisation.name)
    )
    return contact


@transaction.atomic
def answer_contact(*, contact: Contact, answer: str, actor: Any) -> Contact:
    """The learner answers: the employer now sees the answer and the learner's email."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.answered_at or contact.declined_at:
        raise EmployerError(_("Vous avez déjà répondu à ce message."))
    if not answer.strip():
        raise EmployerError(_("Écrivez votre réponse."))
    contact.answer, contact.answered_at = answer.strip(), timezone.now()
    contact.save(update_fields=["answer", "answered_at"])
    record_event(verb="contact.answered", actor=actor, organisation=contact.organisation, target=contact)
    # Answering shows the learner's email to the employer: kept as their consent to that sharing.
    record_consent(user=contact.learner, purpose=consents.EMPLOYER_CONTACT, given=True,
                   source="employers:answer", detail={"organisation": contact.organisation.slug})  # fmt: skip
    if contact.sender is not None and contact.job is not None:
        link = site_path("employers:job", contact.organisation.slug, contact.job.pk)
        sender, person = contact.sender, str(contact.learner.display_name or _("Une personne"))
        transaction.on_commit(lambda: notify(sender, "contact.answered", link=link, person=person))
    return contact


@transaction.atomic
def decline_contact(*, contact: Contact, actor: Any) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.answered_at or contact.declined_at:
        raise EmployerError(_("Vous avez déjà répondu à ce message."))
    contact.declined_at = timezone.now()
    contact.save(update_fields=["declined_at"])
    record_event(verb="contact.declined", actor=actor, organisation=contact.organisation, target=contact)
    return contact
