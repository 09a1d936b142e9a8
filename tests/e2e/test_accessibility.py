"""An automated accessibility audit: axe-core checks Carnet's main pages against WCAG 2.1 A and AA, in
French and in English, for a visitor and for each role signed in, on a desktop screen and on a phone.

A failure lists each violation: the rule, its impact, the CSS selector of the element and what to do.
What axe cannot judge (a sensible reading order, words that make sense) still needs a person."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.test import Client

from carnet.catalogue import images, services
from carnet.catalogue.services import RequirementSpec
from carnet.employers.services import create_job
from carnet.inbox.services import notify
from carnet.issuing import services as issuing
from carnet.organisations.models import Organisation
from carnet.portfolio.services import set_search_consent
from carnet.stacking.models import IssuedCertificate
from carnet.trust.services import add_known_issuer, withdraw_known_issuer

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["anonymous", "learner", "assessor", "employer", "org_admin", "staff"]
LANGUAGES = ["fr", "en"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Page:
    path: str  # completed with the names of the site fixture
    roles: tuple[str, ...]


PAGES = {
    "home": Page("/", tuple(ROLES)),
    "login": Page("/comptes/login/", ("anonymous",)),
    "signup": Page("/comptes/signup/", ("anonymous",)),
    "catalogue": Page("/catalogue/?q=équipe&contexte=sport", tuple(ROLES)),
    "micro_credential": Page("/catalogue/{org}/{item}/", tuple(ROLES)),
    "certificate": Page("/certificats/{org}/{certificate}/", tuple(ROLES)),
    "frameworks": Page("/referentiels/", tuple(ROLES)),
    "framework": Page("/referentiels/{framework}/", tuple(ROLES)),
    "catalogue_management": Page("/organisations/{org}/catalogue/", ("org_admin",)),
    "micro_credential_form": Page("/organisations/{org}/catalogue/{item}/", ("org_admin",)),
    "badge_designer": Page("/organisations/{org}/catalogue/{item}/image/", ("org_admin",)),
    "members": Page("/organisations/{org}/membres/", ("org_admin",)),
    "settings": Page("/organisations/{org}/parametres/", ("org_admin",)),
    "issued": Page("/organisations/{org}/attestations/", ("org_admin", "assessor")),
    "issued_credential": Page("/organisations/{org}/attestations/{credential}/", ("org_admin", "assessor")),
    "activity_log": Page("/organisations/{org}/journal/", ("org_admin",)),
    "api_keys": Page("/organisations/{org}/cles-api/", ("org_admin",)),
    "connected_applications": Page("/mon-compte/applications/", ("learner",)),
    "privacy": Page("/confidentialite/", ("anonymous",)),
    "my_privacy": Page("/mon-compte/confidentialite/", ("learner",)),
    "delete_account": Page("/mon-compte/supprimer/", ("learner",)),
    "review_queue": Page("/organisations/{org}/demandes/", ("assessor",)),
    "skills": Page("/competences/", ("learner",)),
    "my_requests": Page("/demandes/", ("learner",)),
    "notifications": Page("/notifications/", ("learner",)),
    "my_credential": Page("/mes-microattestations/{credential}/", ("learner",)),
    "carnet": Page("/mon-carnet/", ("learner",)),
    "sharing_settings": Page("/mon-carnet/partage/", ("learner",)),
    "carnet_pdf": Page("/mon-carnet/cv-pdf/", ("learner",)),
    "employer_jobs": Page("/employeurs/employer-test/postes/", ("employer",)),
    "employer_contacts": Page("/mes-contacts/", ("learner",)),
    "badge_page": Page("/badges/{credential}/", ("learner",)),
    "certificates_to_confirm": Page("/organisations/{org}/certificats-a-confirmer/", ("assessor",)),
    "issued_certificates": Page("/organisations/{org}/certificats-delivres/", ("org_admin",)),
    "issued_certificate": Page(
        "/organisations/{org}/certificats-delivres/{issued_certificate}/", ("org_admin",)
    ),
    "my_certificate": Page("/mes-certificats/{issued_certificate}/", ("learner",)),
    "certificate_page": Page("/certificats-obtenus/{issued_certificate}/", ("learner",)),
    "employer_job": Page("/employeurs/employer-test/postes/{job}/", ("employer",)),
    "framework_management": Page("/referentiels/gestion/", ("staff",)),
    "framework_form": Page("/referentiels/gestion/{framework_uuid}/", ("staff",)),
    "known_issuers": Page("/plateforme/emetteurs-reconnus/", ("staff",)),
    "known_issuers_import": Page("/plateforme/emetteurs-reconnus/importer/", ("staff",)),
    "known_issuer_withdraw": Page("/plateforme/emetteurs-reconnus/{known_issuer}/retirer/", ("staff",)),
}

# Pages with a known violation, each with its reason: marked xfail(strict=True), so fixing one fails
# until it is taken off this list.
KNOWN: dict[str, str] = {}


def cases(viewport_name: str, selection: list[tuple[str, str, str]] | None = None, known=KNOWN) -> list:
    if selection is None:
        selection = [
            (name, role, lang) for name, page in PAGES.items() for role in page.roles for lang in LANGUAGES
        ]
    return [
        pytest.param(
            name, role, lang, id=f"{name}-{role}-{lang}-{viewport_name}",
            marks=[pytest.mark.xfail(strict=True, reason=known[name])] if name in known else [],
        )
        for name, role, lang in selection
    ]  # fmt: skip


@pytest.fixture
def site(organisation, default_framework, learner, assessor, employer, staff):
    """A catalogue worth looking at: a published micro-credential with its badge image, aligned on
    the default framework, and a published certificate that requires it."""
    framework = default_framework
    competency = framework.competencies.order_by("code").first()
    level = competency.levels.order_by("rank")[1]
    item = services.create_micro_credential(
        organisation=organisation,
        fields={
            "name_fr": "Travail d'équipe", "name_en": "Teamwork",
            "description_fr": "Contribue à l'atteinte d'objectifs communs.",
            "description_en": "Contributes to shared goals.",
            "criteria_fr": "Deux situations réelles confirmées par deux personnes.",
            "criteria_en": "Two real situations confirmed by two people.",
            "learning_contexts": ["sport", "work"], "assessment_method": "endorsements",
            "endorsements_required": 2,
        },
        alignments=[(competency, level)],
    )  # fmt: skip
    design = images.BadgeDesign(
        shape="shield", background="#0b5394", border="#f1c232", text_colour="#ffffff", icon="people",
        title="Travail d'équipe",
    )  # fmt: skip
    services.set_badge_image(
        micro_credential=item, image=images.render_svg(design), image_name="badge.svg",
        png=images.render_png(design), design={"shape": "shield", "icon": "people", "title": "Travail d'équipe"},
    )  # fmt: skip
    services.publish_micro_credential(micro_credential=item)
    certificate = services.create_certificate(
        organisation=organisation,
        fields={"name_fr": "Employabilité", "name_en": "Employability", "description_fr": "Ce qui compte.",
                "description_en": "What counts.", "hours": 30},
        groups=[RequirementSpec(key=0, parent=None, micro_credentials=(item,))],
    )  # fmt: skip
    services.publish_certificate(certificate=certificate)
    automatic = services.create_certificate(
        organisation=organisation,
        fields={"name_fr": "Premiers pas", "name_en": "First steps", "description_fr": "Un début.",
                "description_en": "A start.", "issuance": "automatic"},
        groups=[RequirementSpec(key=0, parent=None, micro_credentials=(item,))],
    )  # fmt: skip
    services.publish_certificate(certificate=automatic)
    set_search_consent(user=learner, given=True)
    job = create_job(organisation=Organisation.objects.get(slug="employer-test"), title="Commis",
                     description="", requirements=[(competency, 1)], actor=employer)  # fmt: skip
    credential = issuing.issue_credential(
        organisation=organisation, version=item.current_version(), recipient=learner,
        recipient_email=learner.email, idempotency_key="a11y", source="bulk",
    )  # fmt: skip
    issued_certificate = IssuedCertificate.objects.get(certificate=automatic)  # issued with the credential
    issuing.suspend_credential(credential=credential, reason="Vérification en cours", actor=None)
    notify(learner, "credential.issued", link=f"/mes-microattestations/{credential.uuid}/",
           title_fr="Travail d'équipe", title_en="Teamwork")  # fmt: skip
    # Known issuers (the staff's page): one recognised, one withdrawn.
    known = add_known_issuer(actor=staff, identifier="did:web:formation.exemple.org", name="Formation Exemple",
                             reason="Partenaire du réseau, confirmé par téléphone")  # fmt: skip
    former = add_known_issuer(
        actor=staff, identifier="did:web:ancien.exemple.org", name="Ancien", reason="Fini"
    )
    withdraw_known_issuer(actor=staff, entry=former)
    return SimpleNamespace(
        credential=credential.uuid, issued_certificate=issued_certificate.uuid, job=job.pk,
        org=organisation.slug, item=item.slug, certificate=certificate.slug,
        framework=framework.slug, framework_uuid=framework.uuid, known_issuer=known.pk,
    )  # fmt: skip


@pytest.fixture
def open_page(browser, live_server, site, request):
    """``open_page(name, role, lang, viewport)``: a new browser page, signed in as ``role``, showing
    page ``name`` in ``lang``."""
    contexts = []

    def open_(name: str, role: str, lang: str, viewport: dict):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        if role != "anonymous":
            client = Client()
            client.force_login(request.getfixturevalue(role))
            context.add_cookies(
                [{"name": c.key, "value": c.value, "url": live_server.url} for c in client.cookies.values()]
            )
        page = context.new_page()
        path = PAGES[name].path.format(**vars(site))
        response = page.goto(live_server.url + ("/en" if lang == "en" else "") + path)
        assert response is not None and response.status == 200, (
            f"{path} answered {response and response.status}"
        )
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("name", "role", "lang"), cases("desktop"))
def test_the_page_meets_wcag_21_aa(open_page, axe, name, role, lang):
    page = open_page(name, role, lang, DESKTOP)
    violations = axe(page)
    assert not violations, f"{page.url} ({role}):\n" + "\n".join(violations)


PHONE_PAGES = [
    ("home", "anonymous", "fr"),
    ("login", "anonymous", "fr"),
    ("catalogue", "learner", "fr"),
    ("micro_credential", "anonymous", "en"),
    ("certificate", "anonymous", "fr"),
    ("catalogue_management", "org_admin", "fr"),
    ("members", "org_admin", "en"),
    ("issued", "org_admin", "fr"),
    ("issued_credential", "org_admin", "en"),
    ("activity_log", "org_admin", "fr"),
    ("api_keys", "org_admin", "en"),
    ("connected_applications", "learner", "fr"),
    ("notifications", "learner", "fr"),
    ("my_credential", "learner", "en"),
    ("carnet", "learner", "fr"),
    ("sharing_settings", "learner", "en"),
    ("carnet_pdf", "learner", "fr"),
    ("employer_jobs", "employer", "fr"),
    ("badge_page", "learner", "fr"),
    ("certificates_to_confirm", "assessor", "fr"),
    ("issued_certificate", "org_admin", "en"),
    ("my_certificate", "learner", "fr"),
    ("certificate_page", "learner", "en"),
    ("employer_job", "employer", "fr"),
    ("known_issuers", "staff", "fr"),
    ("known_issuer_withdraw", "staff", "en"),
]


@pytest.mark.parametrize(("name", "role", "lang"), cases("phone", PHONE_PAGES))
def test_the_page_meets_wcag_21_aa_on_a_phone(open_page, axe, name, role, lang):
    page = open_page(name, role, lang, PHONE)
    violations = axe(page)
    assert not violations, f"{page.url} ({role}, phone):\n" + "\n".join(violations)


@pytest.mark.parametrize(("name", "role", "lang"), cases("reflow", PHONE_PAGES, known={}))
def test_the_page_reads_on_a_phone_without_scrolling_sideways(open_page, name, role, lang):
    """WCAG 1.4.10 (reflow): at 390 pixels wide, nothing is wider than the screen."""
    page = open_page(name, role, lang, PHONE)
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .filter(e => !e.closest(".skip"))
            .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""))"""
    )
    assert not too_wide, f"{page.url} is wider than the phone: " + ", ".join(too_wide)


def test_a_message_after_signing_in_meets_wcag_21_aa(browser, live_server, org_admin, axe):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=org_admin, email=org_admin.email, verified=True, primary=True)
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live_server.url + "/comptes/login/")
    page.fill("input[name=login]", org_admin.email)
    page.fill("input[name=password]", "a long test password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".messages li").count() == 1  # "signed in as ..."
    violations = axe(page)
    page.close()
    assert not violations, "\n".join(violations)


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const element = document.activeElement, style = getComputedStyle(element);
            const box = element.getBoundingClientRect();
            return {tag: element.tagName, type: element.type || "", text: element.textContent.trim().slice(0, 40),
                    className: element.className, inMain: !!element.closest("main"),
                    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                    visible: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0};
        }"""
    )


def test_the_skip_link_comes_first_shows_and_leads_to_the_content(browser, live_server, site):
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server.url + "/catalogue/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["className"] == "skip" and first["visible"], first
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    after = focused(page)
    page.close()
    assert after["inMain"], after


@pytest.mark.parametrize("role", ["anonymous", "org_admin"])
def test_every_control_shows_where_the_keyboard_focus_is(open_page, role):
    name = "catalogue" if role == "anonymous" else "micro_credential_form"
    page = open_page(name, role, "fr", DESKTOP)
    seen = []
    for _ in range(200):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] == "BODY" or (seen and now == seen[0]):
            break
        seen.append(now)
    assert len(seen) > 5
    hidden = [
        f"{f['tag']} {f['text']!r}: outline {f['outline']} {f['outlineWidth']}px, visible: {f['visible']}"
        for f in seen
        # a date field: Chromium moves the focus into its day, month or year, which it highlights
        if f["type"] != "date"
        and (f["outline"] in ("none", "auto") or f["outlineWidth"] < 2 or not f["visible"])
    ]
    assert not hidden, "\n".join(hidden)
