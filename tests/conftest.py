"""Fixtures of the platform tests: one person per role, and an outsider."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

sys.path.insert(0, str(Path(__file__).parent / "credentials"))
from jspeer import JsPeer, JsPeerUnavailable

from carnet.organisations.models import Membership, Organisation
from carnet.organisations.services import add_member, create_organisation


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in French: a request to an /en/ page leaves English active in the thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def make_user(django_user_model):
    def make(email: str, **fields):
        return django_user_model.objects.create_user(email, "a long test password", **fields)

    return make


@pytest.fixture
def org_admin(make_user):
    return make_user("admin@org.test", display_name="Org Admin")


@pytest.fixture
def competency(db):
    """The first competency of the published default framework (installed again when a transactional
    test before this one left the database flushed)."""
    from carnet.frameworks.models import Competency

    published = Competency.objects.filter(framework__status="published").order_by("code")
    if not published.exists():
        from carnet.frameworks.services import install_default_framework

        install_default_framework()
    return published.first()


@pytest.fixture
def organisation(org_admin) -> Organisation:
    return create_organisation(
        name="CJE Test", kind=Organisation.Kind.COMMUNITY, admin=org_admin, slug="cje-test"
    )


@pytest.fixture
def assessor(make_user, organisation):
    user = make_user("assessor@org.test")
    add_member(organisation=organisation, user=user, role=Membership.Role.ASSESSOR)
    return user


@pytest.fixture
def employer(make_user):
    user = make_user("hr@employer.test")
    create_organisation(
        name="Employer Test", kind=Organisation.Kind.EMPLOYER, admin=user, slug="employer-test"
    )
    return user


@pytest.fixture
def learner(make_user):
    return make_user("learner@example.test")


@pytest.fixture
def outsider(make_user):
    """Someone with an account and no role anywhere."""
    return make_user("outsider@example.test")


@pytest.fixture
def staff(make_user):
    return make_user("staff@carnet.test", is_staff=True, is_superuser=True)


@pytest.fixture(scope="session")
def js_peer() -> Iterator[JsPeer]:
    """The JavaScript reference peer (Digital Bazaar stack), one node process per session.

    Missing node or ``interop/js/node_modules`` fails the test, unless CARNET_ALLOW_SKIP_INTEROP=1,
    which turns it into a skip.
    """
    peer = JsPeer()
    try:
        peer.start()
    except JsPeerUnavailable as exc:
        if os.environ.get("CARNET_ALLOW_SKIP_INTEROP") == "1":
            pytest.skip(f"interoperability with the JavaScript reference not tested: {exc}")
        pytest.fail(
            f"{exc}. Run ./scripts/test, which installs them (npm ci in interop/js); "
            "or set CARNET_ALLOW_SKIP_INTEROP=1 to skip the interoperability tests.",
            pytrace=False,
        )
    with peer:
        yield peer


# -- browser tests (tests/e2e and the pages tested in their own folders) ---------------------------

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the fixtures are
# made before and after it, never concurrently.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: ./scripts/test installs it (apt-get install chromium)")
        pytest.skip(
            "Chromium is not installed (Debian: apt-get install chromium); the browser tests did not run"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def default_framework(request):
    """Every database starts with the default framework of generic competencies (a data migration),
    but each browser test is transactional and leaves the database flushed: the next one installs it
    again."""
    if "live_server" not in request.fixturenames:
        return None
    request.getfixturevalue("transactional_db")
    from carnet.frameworks.services import install_default_framework

    return install_default_framework()


# Accessibility: axe-core (pinned in interop/js/package.json, installed by `npm ci` in ./scripts/test)
# runs inside the page and reports what breaks WCAG 2.1 A and AA.
AXE_CORE = Path(__file__).resolve().parents[1] / "interop" / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe():
    """``axe(page)``: the WCAG 2.1 A and AA violations axe-core finds in the page as it is now, one
    line per rule and element: rule, impact, CSS selector, and what to do."""
    if not AXE_CORE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE_CORE}): ./scripts/test installs it (npm ci in interop/js)",
            pytrace=False,
        )

    def run(page) -> list[str]:
        page.add_script_tag(path=str(AXE_CORE))
        results = page.evaluate(
            """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
                .then(results => ({violations: results.violations, checked: results.passes.length}))""",
            WCAG_21_AA,
        )
        assert results["checked"], f"axe-core checked nothing on {page.url}"
        violations = results["violations"]
        return [
            f"{violation['id']} ({violation['impact']}) at {_selector(node['target'])}: {violation['help']}"
            for violation in violations
            for node in violation["nodes"]
        ]

    return run


def _selector(target: list) -> str:
    """axe's target: one selector per frame (a list of selectors inside shadow roots)."""
    return " >>> ".join(" > ".join(part) if isinstance(part, list) else part for part in target)
