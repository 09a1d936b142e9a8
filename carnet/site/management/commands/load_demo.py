"""Demo data: one account per role, with known passwords, for trying Carnet locally."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from carnet.accounts.models import User
from carnet.catalogue import images
from carnet.catalogue import services as catalogue
from carnet.catalogue.models import MicroCredential
from carnet.frameworks.models import Competency
from carnet.organisations.models import Membership, Organisation
from carnet.organisations.services import add_member, create_organisation

DEMO_PASSWORD = "carnet-demo-2026"  # noqa: S105 - printed to the person running the demo, never used by `carnet serve`
DEMO_ACCOUNTS = [
    # (email, name, role description fr, role description en)
    (
        "equipe@carnet.localhost",
        "Équipe Carnet",
        "équipe de la plateforme (admin Django)",
        "platform staff (Django admin)",
    ),
    (
        "admin@cje.localhost",
        "Nadia Roy",
        "administratrice d'organisation (CJE de l'Outaouais)",
        "organisation admin (CJE de l'Outaouais)",
    ),
    (
        "evaluation@cje.localhost",
        "Marc Gagnon",
        "évaluateur (CJE de l'Outaouais)",
        "assessor (CJE de l'Outaouais)",
    ),
    (
        "rh@quincaillerie.localhost",
        "Julie Tremblay",
        "employeuse (Quincaillerie Tremblay)",
        "employer (Quincaillerie Tremblay)",
    ),
    ("alex@exemple.localhost", "Alex Martin", "apprenant·e", "learner"),
    (
        "samira@exemple.localhost",
        "Samira Haddad",
        "apprenante qui détient déjà deux microattestations (pour son carnet en PDF)",
        "learner who already holds two micro-credentials (for her carnet as a PDF)",
    ),
]


class Command(BaseCommand):
    help = "Create the demo accounts and organisations (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        users = {}
        for email, name, _fr, _en in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            users[email] = user
        staff = users["equipe@carnet.localhost"]
        if not staff.is_staff:
            staff.is_staff = staff.is_superuser = True
            staff.save(update_fields=["is_staff", "is_superuser"])
        cje = Organisation.objects.filter(slug="cje-outaouais").first() or create_organisation(
            name="Carrefour jeunesse-emploi de l'Outaouais",
            kind=Organisation.Kind.COMMUNITY,
            admin=users["admin@cje.localhost"],
            slug="cje-outaouais",
        )
        add_member(organisation=cje, user=users["evaluation@cje.localhost"], role=Membership.Role.ASSESSOR)
        shop = Organisation.objects.filter(slug="quincaillerie-tremblay").first() or create_organisation(
            name="Quincaillerie Tremblay",
            kind=Organisation.Kind.EMPLOYER,
            admin=users["rh@quincaillerie.localhost"],
            slug="quincaillerie-tremblay",
        )
        if not cje.micro_credentials.exists():
            self.demo_catalogue(cje, users["admin@cje.localhost"])
            self.demo_partner(cje, users["admin@cje.localhost"], users["rh@quincaillerie.localhost"])
        self.demo_carnet(cje, users["samira@exemple.localhost"], users["admin@cje.localhost"])
        self.stdout.write(
            f"Demo data ready: {len(users)} accounts, organisations {cje.slug}, {shop.slug}, "
            f"{cje.micro_credentials.count()} micro-credentials."
        )

    def demo_catalogue(self, organisation: Organisation, admin: User) -> None:
        """Three published micro-credentials aligned to the default framework, each with a designed
        badge, and a certificate that stacks them: something to browse and to ask for."""
        published = []
        for code, icon, colour, fields in DEMO_MICRO_CREDENTIALS:
            competency = Competency.objects.filter(framework__status="published", code=code).first()
            if competency is None:
                continue
            item = catalogue.create_micro_credential(
                organisation=organisation,
                fields={**fields, "learning_contexts": ["work", "volunteering", "sport", "community"]},
                alignments=[(competency, competency.levels.filter(rank=2).first())],
            )
            design = images.BadgeDesign(
                shape="hexagon", background=colour, border="#f1c232", text_colour="#ffffff", icon=icon,
                title=fields["name_fr"], subtitle="CJE Outaouais",
            )  # fmt: skip
            catalogue.set_badge_image(
                micro_credential=item, image=images.render_svg(design), image_name="badge.svg",
                png=images.render_png(design), design={"shape": "hexagon", "icon": icon, "background": colour},
            )  # fmt: skip
            catalogue.publish_micro_credential(micro_credential=item)
            published.append(MicroCredential.objects.get(pk=item.pk))
        if published:
            certificate = catalogue.create_certificate(
                organisation=organisation,
                fields={
                    "name_fr": "Prêt·e pour l'emploi",
                    "name_en": "Ready for work",
                    "description_fr": "Les compétences génériques que les employeurs demandent le plus.",
                    "description_en": "The generic skills employers ask for most.",
                    "hours": 30,
                },
                groups=[catalogue.RequirementSpec(key=1, parent=None, micro_credentials=tuple(published))],
                actor=admin,
            )
            catalogue.publish_certificate(certificate=certificate)

    def demo_partner(self, organisation: Organisation, admin: User, contact: User) -> None:
        """The teamwork micro-credential endorsed by the demo employer (issue #8): the catalogue, its
        badge pages and the credentials issued afterwards show a partner's endorsement."""
        from carnet.catalogue.models import PartnerEndorsement

        for item in organisation.micro_credentials.filter(status="published"):
            version = item.current_version()
            if version is None or version.name_fr != "Travail d'équipe":
                continue
            request, _token = catalogue.invite_partner(
                version=version,
                fields={"partner_name": "Quincaillerie Tremblay", "partner_kind": PartnerEndorsement.Kind.EMPLOYER,
                        "contact_name": contact.display_name, "contact_email": contact.email,
                        "message": "Votre avis d'employeur compte pour les jeunes que nous accompagnons."},
                actor=admin,
            )  # fmt: skip
            catalogue.endorse_definition(
                request=request, endorser_name=contact.display_name, endorser_role="Responsable des ressources humaines",
                comment="Nous cherchons ce savoir-faire chez nos commis : savoir se répartir le travail d'un quart "
                "et régler un désaccord avec un collègue sans attendre la gérante.",
                account=contact,
            )  # fmt: skip

    def demo_carnet(self, organisation: Organisation, learner: User, admin: User) -> None:
        """Two of the demo micro-credentials issued to a learner (two, not three: the third would
        complete the certificate and put a confirmation in the assessor's queue), one of them
        public and the other private, so that her carnet and its PDF have something to show."""
        from carnet.issuing import services as issuing
        from carnet.portfolio.services import set_visibility

        visibilities = {"Travail d'équipe": "public", "Fiabilité": "private"}
        for item in organisation.micro_credentials.filter(status="published"):
            version = item.current_version()
            if version is None or version.name_fr not in visibilities:
                continue
            credential = issuing.issue_credential(
                organisation=organisation, version=version, recipient=learner, recipient_email=learner.email,
                idempotency_key=f"demo-{item.slug}-{learner.pk}", source="bulk", actor=admin,
            )  # fmt: skip
            set_visibility(credential=credential, visibility=visibilities[version.name_fr], actor=learner)


DEMO_MICRO_CREDENTIALS = [
    (
        "CG-EQU", "people", "#0b5394",
        {
            "name_fr": "Travail d'équipe", "name_en": "Teamwork",
            "description_fr": "Contribue à un objectif commun avec d'autres personnes, partage l'information et aide à régler les désaccords.",
            "description_en": "Works towards a shared goal with others, shares information and helps settle disagreements.",
            "criteria_fr": "Coordonne ou partage le travail d'un groupe.\nAide à régler un désaccord de façon constructive.",
            "criteria_en": "Coordinates or shares the work of a group.\nHelps settle a disagreement constructively.",
            "evidence_fr": "Un récit de deux situations réelles et l'endossement d'une personne qui vous a vu·e à l'œuvre.",
            "evidence_en": "An account of two real situations and the endorsement of someone who saw you at work.",
            "assessment_method": "endorsements", "endorsements_required": 1,
            "purpose_fr": "Faire reconnaître le travail d'équipe appris ailleurs qu'à l'école (sport, bénévolat, emploi) par les employeurs de la région.",
            "purpose_en": "Have teamwork learned outside school (sport, volunteering, work) recognised by the region's employers.",
            "outcomes_fr": ["Partager le travail d'un groupe et tenir sa part.", "Aider à régler un désaccord de façon constructive."],
            "outcomes_en": ["Share a group's work and do one's part.", "Help settle a disagreement constructively."],
            "hours": 20, "credits": 2,
            "need_fr": "Demandée par la Chambre de commerce de Gatineau et trois employeurs du commerce de détail de l'Outaouais.",
            "need_en": "Asked for by the Gatineau Chamber of Commerce and three retail employers in the Outaouais.",
        },
    ),
    (
        "CG-FIA", "clock", "#274e13",
        {
            "name_fr": "Fiabilité", "name_en": "Reliability",
            "description_fr": "Tient ses engagements : présent, ponctuel, fait ce qui est convenu.",
            "description_en": "Keeps commitments: present, on time, does what was agreed.",
            "criteria_fr": "Respecte un horaire pendant au moins trois mois.\nPrévient quand un imprévu survient.",
            "criteria_en": "Keeps a schedule for at least three months.\nLets others know when something unexpected happens.",
            "assessment_method": "endorsements", "endorsements_required": 1, "validity_months": 36,
        },
    ),
    (
        "CG-COM", "speech", "#741b47",
        {
            "name_fr": "Communication orale", "name_en": "Oral communication",
            "description_fr": "S'exprime clairement, écoute et s'assure d'être compris.",
            "description_en": "Speaks clearly, listens and makes sure to be understood.",
            "criteria_fr": "Explique une tâche à une autre personne.\nRépond à une question d'un client ou d'un usager.",
            "criteria_en": "Explains a task to someone else.\nAnswers a question from a client or service user.",
            "assessment_method": "portfolio", "endorsements_required": 0,
        },
    ),
]  # fmt: skip
