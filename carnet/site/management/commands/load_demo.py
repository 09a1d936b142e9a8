"""Demo data: one account per role, with known passwords, for trying Carnet locally."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from carnet.accounts.models import User
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
        self.stdout.write(f"Demo data ready: {len(users)} accounts, organisations {cje.slug}, {shop.slug}.")
