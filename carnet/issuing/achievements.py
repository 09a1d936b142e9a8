"""A micro-credential version as an Open Badges 3.0 ``Achievement`` (what an issued credential says it
attests), with its alignments to the competencies of the framework."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carnet.catalogue.models import MicroCredentialVersion
from carnet.credentials import model as ob
from carnet.issuing.identity import absolute, issuer_profile


def achievement_url(version: MicroCredentialVersion) -> str:
    item = version.micro_credential
    return absolute(reverse("issuing:achievement", args=[item.organisation.slug, item.slug, version.number]))


def achievement_document(version: MicroCredentialVersion, language: str = "fr") -> dict[str, Any]:
    item = version.micro_credential
    alignments = []
    for alignment in version.alignments.select_related("competency__framework", "level"):
        competency = alignment.competency
        framework_url = absolute(competency.framework.get_absolute_url())
        alignments.append(
            ob.alignment(
                competency.name(language),
                f"{framework_url}#{competency.code}",
                target_code=competency.code,
                target_description=competency.description(language) or None,
                target_framework=competency.framework.name(language),
                target_type="ceasn:Competency",
            )
        )
    image_url = absolute(version.image_png.url) if version.image_png else None
    return ob.achievement(
        achievement_url(version),
        version.name(language),
        version.description(language),
        ob.criteria(version.criteria(language)),
        achievement_type="Competency",
        alignments=alignments,
        image_url=image_url,
        creator=issuer_profile(item.organisation),
        version=str(version.number),
        in_language="fr-CA" if language == "fr" else "en",
        human_code=item.slug,
    )
