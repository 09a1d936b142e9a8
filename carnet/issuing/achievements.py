"""A micro-credential version as an Open Badges 3.0 ``Achievement`` (Open Badges v3.0 §B.1.1
"Achievement", §B.1.3 "Alignment", §B.1.13 "ResultDescription"): what the credential says it
attests, with its criteria, its alignments to the competencies of a framework, and the scale of
levels of each competency, so that a credential can say which level was recognised
(``Result.achievedLevel``, §B.1.14).

Each version has a stable public URL, its ``id``:
``/organisations/<organisation>/microattestations/<micro-credential>/v<n>.json``."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from carnet.catalogue.models import MicroCredentialVersion
from carnet.credentials import model as ob
from carnet.frameworks.models import Level
from carnet.issuing.identity import absolute, issuer_profile

LANGUAGE_TAGS = {"fr": "fr-CA", "en": "en"}


def _file_url(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else absolute(url)


def achievement_url(version: MicroCredentialVersion) -> str:
    item = version.micro_credential
    return absolute(reverse("issuing:achievement", args=[item.organisation.slug, item.slug, version.number]))


def result_description_id(version: MicroCredentialVersion, competency: Any) -> str:
    return f"{achievement_url(version)}#niveaux-{competency.code}"


def level_id(version: MicroCredentialVersion, level: Level) -> str:
    return f"{achievement_url(version)}#niveau-{level.competency.code}-{level.rank}"


def achievement_document(version: MicroCredentialVersion, language: str = "fr") -> dict[str, Any]:
    item = version.micro_credential
    alignments: list[dict[str, Any]] = []
    scales: list[dict[str, Any]] = []
    for alignment in version.alignments.select_related("competency__framework", "level").order_by(
        "competency__order", "competency__code"
    ):
        competency = alignment.competency
        framework = competency.framework
        alignments.append(
            ob.alignment(
                competency.name(language),
                f"{absolute(framework.get_absolute_url())}#{competency.code}",
                target_code=competency.code,
                target_description=competency.description(language) or None,
                target_framework=framework.name(language),
                target_type="ceasn:Competency",
            )
        )
        if competency.aligned_url:  # the same skill in a public framework
            alignments.append(
                ob.alignment(competency.aligned_to or competency.name(language), competency.aligned_url,
                             target_type="ceasn:Competency")
            )  # fmt: skip
        levels = list(competency.levels.all())
        if levels:
            scales.append(
                ob.result_description(
                    result_description_id(version, competency),
                    competency.name(language),
                    levels=[
                        ob.rubric_level(
                            level_id(version, lv),
                            lv.name(language),
                            description=lv.descriptor(language) or None,
                        )
                        for lv in levels
                    ],
                    required_level=level_id(version, alignment.level) if alignment.level else None,
                )
            )
    image_file = version.image_png or version.image
    return ob.achievement(
        achievement_url(version),
        version.name(language),
        version.description(language),
        ob.criteria(criteria_narrative(version, language), criteria_id=absolute(item.get_absolute_url())),
        achievement_type="MicroCredential",
        alignments=alignments,
        result_descriptions=scales,
        image_url=_file_url(image_file.url) if image_file else None,
        creator=issuer_profile(item.organisation),
        version=str(version.number),
        in_language=LANGUAGE_TAGS.get(language, "fr-CA"),
        human_code=item.slug,
        # A JSON number: 2.5 stays 2.5, 3.0 is written 3 (one number type in JSON, as the reference).
        credits_available=float(version.credits) if version.credits else None,
        endorsements=partner_endorsements(version),
    )


def partner_endorsements(version: MicroCredentialVersion) -> list[dict[str, Any]]:
    """The signed endorsements partners gave of this version and that are still shown (§B.1.1
    "Achievement.endorsement"): the published Achievement and the credentials issued from now on
    carry them. One query, made once per bulk job (the Achievement is kept for the whole job)."""
    from carnet.catalogue.models import PartnerEndorsement
    from carnet.catalogue.services import MAX_PARTNER_ENDORSEMENTS

    found = version.partner_endorsements.filter(status=PartnerEndorsement.Status.ENDORSED)
    # At most the most recent few (invite_partner keeps a version below that): a credential stays
    # well under what a verifier accepts (carnet.credentials.verify.MAX_ENDORSEMENTS).
    newest = found.order_by("-answered_at", "-pk").values_list("document", flat=True)[
        :MAX_PARTNER_ENDORSEMENTS
    ]
    return [dict(document) for document in reversed(list(newest))]


def criteria_narrative(version: MicroCredentialVersion, language: str = "fr") -> str:
    """The criteria (Markdown, §B.1.5 "Criteria.narrative"), followed by the learning outcomes: OB 3.0
    has no property of its own for them, and the criteria are what a holder had to show."""
    text = version.criteria(language)
    outcomes = version.outcomes(language)
    if not outcomes:
        return text
    with override(language):
        heading = _("Résultats d'apprentissage :")
    return text.rstrip() + f"\n\n{heading}\n\n" + "\n".join(f"- {outcome}" for outcome in outcomes)


def level_result(version: MicroCredentialVersion, level: Level) -> dict[str, Any]:
    """The ``Result`` saying that ``level`` of one of the version's competencies was recognised."""
    return ob.result(
        result_description_id(version, level.competency),
        achieved_level=level_id(version, level),
    )
