"""Telling people about certificates, in-app and by email, once the change is committed: the holder
when a certificate is issued or a confirmation declined (in their language first, then the other
one), the organisation's admins and assessors when a completion waits for them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation

from carnet.inbox.services import notify, site_path
from carnet.issuing.identity import absolute
from carnet.organisations.models import Membership
from carnet.site.mail import languages_for, send_templated
from carnet.stacking.models import Confirmation, IssuedCertificate


def _titles(certificate: Any) -> dict[str, str]:
    return {"title_fr": certificate.name_fr, "title_en": certificate.name_en or certificate.name_fr}


def _link(user: Any, name: str, *args: Any) -> str:
    with translation.override(getattr(user, "preferred_language", None) or "fr"):
        return absolute(reverse(name, args=args))


def certificate_issued(issued: IssuedCertificate) -> None:
    holder = issued.recipient
    notify(
        holder,
        "certificate.issued",
        link=site_path("stacked:mine", issued.uuid),
        **_titles(issued.certificate),
    )
    preferred = getattr(holder, "preferred_language", None)
    link = _link(holder, "stacked:mine", issued.uuid) if holder is not None else ""
    send_templated(
        "stacking/email/issued",
        issued.recipient_email,
        {"issued": issued, "certificate": issued.certificate, "link": link},
        languages=languages_for(preferred),
    )


def certificate_revoked(issued: IssuedCertificate) -> None:
    holder = issued.recipient
    if holder is not None:
        notify(holder, "certificate.revoked", link=site_path("stacked:mine", issued.uuid),
               **_titles(issued.certificate))  # fmt: skip
    preferred = getattr(holder, "preferred_language", None)
    send_templated(
        "stacking/email/revoked",
        issued.recipient_email,
        {"issued": issued, "certificate": issued.certificate,
         "link": _link(holder, "stacked:mine", issued.uuid) if holder is not None else ""},
        languages=languages_for(preferred),
    )  # fmt: skip


def confirmation_requested(confirmation: Confirmation) -> None:
    certificate = confirmation.certificate
    people = (
        Membership.objects.filter(
            organisation=certificate.organisation, role__in=[Membership.Role.ADMIN, Membership.Role.ASSESSOR]
        )
        .exclude(user=confirmation.recipient)  # nobody confirms their own certificate
        .select_related("user")
    )
    path = site_path("stacked:queue", certificate.organisation.slug)
    for membership in people:
        user = membership.user
        notify(
            user,
            "certificate.to_confirm",
            link=path,
            person=str(confirmation.recipient),
            **_titles(certificate),
        )
        send_templated(
            "stacking/email/to_confirm",
            user.email,
            {"confirmation": confirmation, "certificate": certificate,
             "link": _link(user, "stacked:queue", certificate.organisation.slug)},
            languages=languages_for(user.preferred_language),
        )  # fmt: skip


def confirmation_declined(confirmation: Confirmation) -> None:
    learner = confirmation.recipient
    certificate = confirmation.certificate
    notify(learner, "certificate.declined", link=site_path("portfolio:carnet"), **_titles(certificate))
    send_templated(
        "stacking/email/declined",
        learner.email,
        {
            "confirmation": confirmation,
            "certificate": certificate,
            "link": _link(learner, "portfolio:carnet"),
        },
        languages=languages_for(learner.preferred_language),
    )
