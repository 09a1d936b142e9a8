"""A certificate as an Open Badges 3.0 ``Achievement`` (Open Badges v3.0 §B.1.1 "Achievement",
``achievementType`` "Certificate"; §B.1.4 "Criteria"): its name and description, criteria that list
its requirements (Markdown, as §B.1.4 allows), ``creditsAvailable`` when it gives credits, and its
organisation as ``creator``.

Each certificate has a stable public URL, its ``id``:
``/organisations/<organisation>/certificats/<certificate>.json`` (``?lang=en`` in English). A
certificate has no versions: the URL serves what it says now; each credential keeps the achievement
as it was when it was issued."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.catalogue.models import Certificate, MicroCredential, RequirementGroup
from carnet.credentials import model as ob
from carnet.frameworks.models import pick
from carnet.issuing.achievements import LANGUAGE_TAGS
from carnet.issuing.identity import absolute, issuer_profile


def achievement_url(certificate: Certificate) -> str:
    return absolute(reverse("stacking:achievement", args=[certificate.organisation.slug, certificate.slug]))


def _name(item: MicroCredential, language: str) -> str:
    version = item.current_version()
    return version.name(language) if version is not None else item.slug


def _requirements(group: RequirementGroup, language: str, indent: str = "") -> list[str]:
    """The group as Markdown list lines: its rule, then its micro-credentials and sub-groups."""
    label = pick(group, "label", language)
    if group.rule == RequirementGroup.Rule.N_OF:
        rule = ngettext(
            "Au moins %(count)s de ces éléments :", "Au moins %(count)s de ces éléments :", group.minimum
        ) % {"count": group.minimum}
    else:
        rule = _("Tous ces éléments :")
    lines = [f"{indent}{label} — {rule}" if label else f"{indent}{rule}"]
    for item in group.micro_credentials.select_related("organisation").order_by("slug"):
        lines.append(f"{indent}- {_name(item, language)} ({item.organisation.name})")
    for child in group.groups.order_by("pk"):
        sub = _requirements(child, language, indent + "  ")
        lines.append(f"{indent}- {sub[0].lstrip()}")
        lines += sub[1:]
    return lines


def criteria_narrative(certificate: Certificate, language: str = "fr") -> str:
    with translation.override(language):
        lines = [_("Obtenir les microattestations exigées :"), "", *_requirements(certificate.root, language)]
        if certificate.accepts_other_organisations:
            lines += ["", _("Des microattestations d'autres organismes peuvent compter.")]
        if certificate.hours:
            lines += ["", _("Durée : %(hours)s heures") % {"hours": certificate.hours}]
    return "\n".join(lines)


def achievement_document(certificate: Certificate, language: str = "fr") -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if certificate.credits is not None:
        extra["creditsAvailable"] = float(certificate.credits)
    with translation.override(language):  # the criteria page in the document's language
        page = absolute(certificate.get_absolute_url())
    return ob.achievement(
        achievement_url(certificate),
        certificate.name(language),
        certificate.description(language),
        ob.criteria(
            criteria_narrative(certificate, language),
            criteria_id=page,
        ),
        achievement_type="Certificate",
        creator=issuer_profile(certificate.organisation),
        in_language=LANGUAGE_TAGS.get(language, "fr-CA"),
        human_code=certificate.slug,
        extra=extra,
    )
