"""The access map (issue #5): every named URL of the site is declared below with who may open it, and
the tests prove that the others can't.

``ACCESS`` names each URL (``namespace:name``) with its kind of access and how to build its address
from the world of the tests. Walking the URL resolver finds every named URL: one the map does not
declare fails the first test (declare each new page here), one the map declares that no longer
exists fails the second. Then each (URL, person) pair is a test of its own: the people who must not
open a page are refused — a visitor who is not signed in is sent to log in (or gets 404), anyone
else gets 404, the project's convention: they learn nothing, not even that the thing exists; a dead
secret link answers 410 — and the person who must open it does. Pages that change something are
tried with POST too.

The last tests read what the pages show: no learner's email on the pages others see, a private badge
on none of them, nobody in employers' searches without their consent, an email shown to an employer
only once its owner answered.

The world is made once for the module, inside a transaction rolled back at its end; each test runs
in a savepoint of it (what a test changes is undone after it)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

sys.path.insert(0, str(Path(__file__).parent / "portfolio"))
from portfolio_samples import signed_badge

from carnet.credentials import Ed25519Key

# -- kinds of access -------------------------------------------------------------------------------

PUBLIC = "public"  # anyone, without an account: pages about what is published
MACHINE = "machine"  # for machines, anyone: health checks, DID documents, status lists, the verification API
ACCOUNT = "account"  # signing up, logging in and out, recovering an account (allauth): anyone
TOKEN = "token"  # whoever holds its secret link (share link, invitation, endorsement): no account needed
SHOWN = "shown"  # its holder; others only while the holder shows it (a link-visible or public object)
SIGNED_IN = "signed-in"  # any signed-in person (each sees only their own things there)
OWNER = "owner"  # only the learner it belongs to: not its issuer, not an employer, not the staff
ORG_ADMIN = "org-admin"  # only the admins of its organisation
ORG_REVIEW = "org-review"  # only the admins and assessors of its organisation
EMPLOYER = "employer"  # only the members of its employer organisation
STAFF = "staff"  # only the platform's staff (Django's is_staff)
API_KEY = "api-key"  # programs with a key of the organisation (Bearer): no session opens it, all get 401

# Who must open a page of each kind, and who must be refused (the people of ``world``).
WHO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    PUBLIC: (("anonymous",), ()),
    MACHINE: (("anonymous",), ()),
    ACCOUNT: (("anonymous",), ()),
    TOKEN: (("anonymous",), ("anonymous", "owner")),  # refused: with a dead or unknown token
    SHOWN: (("owner",), ("anonymous", "other", "admin_a", "employer", "staff")),  # a private object
    SIGNED_IN: (("owner",), ("anonymous",)),
    OWNER: (("owner",), ("anonymous", "other", "admin_a", "employer", "staff")),
    ORG_ADMIN: (("admin_a",), ("anonymous", "owner", "assessor_a", "admin_b", "employer", "staff")),
    ORG_REVIEW: (
        ("admin_a", "assessor_a"),
        ("anonymous", "owner", "admin_b", "assessor_b", "employer", "staff"),
    ),
    EMPLOYER: (("employer",), ("anonymous", "owner", "admin_a", "other_employer", "staff")),
    STAFF: (("staff",), ("anonymous", "owner", "admin_a", "employer")),
    API_KEY: (
        (),
        ("anonymous", "owner", "admin_a", "staff"),
    ),  # keyed calls: tests/api/test_org_api_access.py
}

Args = Callable[[Any], list[Any]]


def no_args(w: Any) -> list[Any]:
    return []


@dataclass(frozen=True)
class Page:
    """How one URL is reached: its kind of access, its arguments in the world (for SHOWN: of a
    private object, for TOKEN: a live token), the methods it answers, and for some kinds a second
    object: ``shown`` (SHOWN: a visible object, which anyone opens) or ``dead`` (TOKEN: a token that
    no longer opens anything). ``ok``: what the people who may open it get, when not 200 (GET) or
    200, 302 or 400 (POST: done, or a form sent back with its errors)."""

    kind: str
    args: Args = no_args
    methods: tuple[str, ...] = ("GET",)
    data: dict[str, Any] = field(default_factory=dict)
    ok: tuple[int, ...] = ()
    shown: Args | None = None
    dead: Args | None = None
    allowed: tuple[str, ...] | None = None  # instead of WHO's


GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")


def org_a(w: Any) -> list[Any]:
    return [w.org_a.slug]


def employer_org(w: Any) -> list[Any]:
    return [w.employer_org.slug]


ACCESS: dict[str, Page] = {
    # -- the site's shell
    "home": Page(PUBLIC),
    "set_language": Page(PUBLIC, methods=POST, data={"language": "en", "next": "/"}, ok=(302,)),
    "switch_language": Page(PUBLIC, lambda w: ["en"], ok=(302,)),
    "health": Page(MACHINE),
    "alive": Page(MACHINE),
    "metrics": Page(MACHINE, ok=(404,)),  # only with CARNET_METRICS_TOKEN: tests/site/test_observability.py
    # -- the background work that failed: the platform's staff
    "failed_work": Page(STAFF),
    "retry_task": Page(STAFF, lambda w: ["00000000-0000-4000-8000-000000000000"], methods=POST, ok=(302,)),
    "retry_job": Page(STAFF, lambda w: ["00000000-0000-4000-8000-000000000000"], methods=POST, ok=(302,)),
    # -- accounts (allauth)
    "account_login": Page(ACCOUNT),
    "account_logout": Page(ACCOUNT, ok=(200, 302)),
    "account_inactive": Page(ACCOUNT),
    "account_signup": Page(ACCOUNT),
    "account_reauthenticate": Page(SIGNED_IN),
    "account_request_reauthentication_code": Page(ACCOUNT, ok=(200, 302, 404)),
    "account_confirm_reauthentication_code": Page(ACCOUNT, ok=(200, 302, 404)),
    "account_email": Page(SIGNED_IN),
    "account_email_verification_sent": Page(ACCOUNT, ok=(200, 302)),
    "account_change_password": Page(SIGNED_IN),
    "account_set_password": Page(SIGNED_IN, ok=(200, 302)),
    "account_reset_password": Page(ACCOUNT),
    "account_confirm_login_code": Page(ACCOUNT, ok=(200, 302)),
    "account_confirm_email": Page(ACCOUNT, lambda w: ["not-a-key"], ok=(200, 302, 404)),
    "account_reset_password_from_key_done": Page(ACCOUNT),
    "account_reset_password_from_key": Page(ACCOUNT, lambda w: ["x", "not-a-key"], ok=(200, 302)),
    "account_reset_password_done": Page(ACCOUNT),
    "account_request_login_code": Page(ACCOUNT),
    # -- machine-readable documents of the organisations, outside the language prefixes
    "issuing:platform_did": Page(MACHINE),
    "issuing:did": Page(MACHINE, org_a),
    "issuing:profile": Page(MACHINE, org_a),
    "issuing:achievement": Page(MACHINE, lambda w: [w.org_a.slug, w.mc_public.slug, 1]),
    "issuing:status_list": Page(
        MACHINE, lambda w: [w.org_a.slug, w.status_list.purpose, w.status_list.number]
    ),
    "stacking:achievement": Page(MACHINE, lambda w: [w.org_a.slug, w.certificate_public.certificate.slug]),
    "verification_api:verify": Page(MACHINE, methods=POST, ok=(400, 415)),
    # the W3C VC API: issuing needs an organisation's API key (401 without), verifying is open
    "vc_api:issue": Page(MACHINE, methods=POST, ok=(401,)),
    "vc_api:verify_credential": Page(MACHINE, methods=POST, ok=(400, 415)),
    "vc_api:verify_presentation": Page(MACHINE, methods=POST, ok=(400, 415)),
    "verification:page": Page(PUBLIC),
    # the employer survey under a verification: its secret (one per verification) is what opens it
    "insights:survey": Page(PUBLIC, methods=POST, data={"token": "not-a-token", "action": "dismiss"}),
    # -- frameworks: public when published, managed by the platform's staff
    "frameworks:list": Page(PUBLIC),
    "frameworks:detail": Page(PUBLIC, lambda w: [w.published_framework.slug]),
    "frameworks:manage": Page(STAFF),
    "frameworks:create": Page(STAFF, methods=BOTH),
    "frameworks:import": Page(STAFF, methods=BOTH),
    "frameworks:edit": Page(STAFF, lambda w: [w.framework.uuid], methods=BOTH),
    "frameworks:competency_add": Page(STAFF, lambda w: [w.framework.uuid], methods=BOTH),
    "frameworks:competency_edit": Page(
        STAFF, lambda w: [w.framework.uuid, w.competency_draft.uuid], methods=BOTH
    ),
    "frameworks:competency_delete": Page(
        STAFF, lambda w: [w.framework.uuid, w.competency_draft.uuid], methods=BOTH
    ),
    "frameworks:publish": Page(STAFF, lambda w: [w.framework.uuid], methods=POST),
    "frameworks:archive": Page(STAFF, lambda w: [w.framework.uuid], methods=POST),
    "frameworks:export_csv": Page(STAFF, lambda w: [w.framework.uuid]),
    "frameworks:export_case": Page(STAFF, lambda w: [w.framework.uuid]),
    # -- the catalogue: public when published, managed by the organisation's admins
    "catalogue:browse": Page(PUBLIC),
    "catalogue:detail": Page(PUBLIC, lambda w: [w.org_a.slug, w.mc_public.slug]),
    "catalogue:certificate": Page(PUBLIC, lambda w: [w.org_a.slug, w.certificate_public.certificate.slug]),
    "catalogue:manage": Page(ORG_ADMIN, org_a),
    "catalogue:create": Page(ORG_ADMIN, org_a, methods=BOTH),
    "catalogue:edit": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_draft.slug], methods=BOTH),
    "catalogue:publish": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_draft.slug], methods=BOTH),
    "catalogue:reviewed": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_public.slug], methods=POST),
    "catalogue:partners": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_public.slug], methods=BOTH),
    "catalogue:partner_request": Page(
        ORG_ADMIN,
        lambda w: [w.org_a.slug, w.mc_public.slug, w.partner_request.uuid],
        methods=POST,
        data={"action": "cancel"},
    ),
    "catalogue:partner_review": Page(
        TOKEN, lambda w: [w.partner_token], dead=lambda w: ["not-a-token"], methods=BOTH
    ),
    # The thanks after answering: only the browser that just answered (its session); others get 404
    # (tests/catalogue/test_partner_endorsements.py).
    "catalogue:partner_done": Page(PUBLIC, ok=(404,)),
    "catalogue:partner_endorsement": Page(
        PUBLIC, lambda w: [w.org_a.slug, w.mc_link.slug, w.partner_endorsed.uuid]
    ),
    "catalogue:need_documents": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_draft.slug], methods=BOTH),
    "catalogue:need_document": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_draft.slug, w.need_document.pk]),
    "catalogue:archive": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_draft.slug], methods=POST),
    "catalogue:design": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.mc_draft.slug], methods=BOTH),
    "catalogue:certificates": Page(ORG_ADMIN, org_a),
    "catalogue:certificate_create": Page(ORG_ADMIN, org_a, methods=BOTH),
    "catalogue:certificate_edit": Page(
        ORG_ADMIN, lambda w: [w.org_a.slug, w.certificate_public.certificate.slug], methods=BOTH
    ),
    "catalogue:certificate_archive": Page(
        ORG_ADMIN, lambda w: [w.org_a.slug, w.certificate_public.certificate.slug], methods=POST
    ),
    # -- organisations
    "organisations:members": Page(ORG_ADMIN, org_a, methods=BOTH),
    "organisations:change": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.assessor_membership.pk], methods=POST),
    "organisations:cancel_invitation": Page(
        ORG_ADMIN, lambda w: [w.org_a.slug, w.member_invitation.pk], methods=POST
    ),
    "organisations:settings": Page(ORG_ADMIN, org_a, methods=BOTH),
    "organisations:invitation": Page(
        TOKEN, lambda w: [w.member_invitation_token], dead=lambda w: ["not-a-token"], methods=GET
    ),
    "organisations:create_employer": Page(SIGNED_IN, methods=BOTH),
    # -- webhooks of an organisation (carnet.webhooks)
    "webhooks:endpoints": Page(ORG_ADMIN, org_a, methods=BOTH),
    "webhooks:endpoint": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.webhook.pk]),
    "webhooks:rotate": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.webhook.pk], methods=POST),
    "webhooks:ping": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.webhook.pk], methods=POST),
    "webhooks:activate": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.webhook.pk], methods=POST),
    "webhooks:remove": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.webhook.pk], methods=BOTH),
    "webhooks:send_again": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.webhook_delivery.pk], methods=POST),
    "organisations:api_keys": Page(ORG_ADMIN, org_a, methods=BOTH),
    "organisations:revoke_api_key": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.api_key.pk], methods=BOTH),
    # -- signing keys: an organisation's for its admins, the platform's for the staff
    "organisations:signing_keys": Page(ORG_ADMIN, org_a),
    "organisations:rotate_signing_key": Page(ORG_ADMIN, org_a, methods=BOTH),
    "organisations:export_signing_keys": Page(ORG_ADMIN, org_a, methods=BOTH),
    "organisations:platform_signing_keys": Page(STAFF),
    "organisations:platform_rotate_signing_key": Page(STAFF, methods=BOTH),
    "organisations:platform_export_signing_keys": Page(STAFF, methods=BOTH),
    # -- the organisation API (/api/v1/): its description is public, each operation needs a key
    "org_api:api-root": Page(MACHINE),
    "org_api:openapi-json": Page(MACHINE),
    "org_api:list_micro_credentials": Page(API_KEY),
    "org_api:create_micro_credential": Page(API_KEY, methods=POST),
    "org_api:get_micro_credential": Page(API_KEY, lambda w: [w.mc_public.slug]),
    "org_api:update_micro_credential": Page(API_KEY, lambda w: [w.mc_draft.slug], methods=("PATCH",)),
    "org_api:publish_micro_credential": Page(API_KEY, lambda w: [w.mc_draft.slug], methods=POST),
    "org_api:issue": Page(API_KEY, methods=POST),
    "org_api:list_credentials": Page(API_KEY),
    "org_api:get_credential": Page(API_KEY, lambda w: [w.private.uuid]),
    "org_api:revoke": Page(API_KEY, lambda w: [w.private.uuid], methods=POST),
    "org_api:suspend": Page(API_KEY, lambda w: [w.private.uuid], methods=POST),
    "org_api:reinstate": Page(API_KEY, lambda w: [w.private.uuid], methods=POST),
    "org_api:create_job": Page(API_KEY, methods=POST),
    "org_api:get_job": Page(API_KEY, lambda w: [w.private.uuid]),
    "org_api:list_events": Page(API_KEY),
    "org_api:list_webhooks": Page(API_KEY),
    "org_api:create_webhook": Page(API_KEY, methods=POST),
    "org_api:get_webhook": Page(API_KEY, lambda w: [1]),
    "org_api:update_webhook": Page(API_KEY, lambda w: [1], methods=("PATCH",)),
    "org_api:delete_webhook": Page(API_KEY, lambda w: [1], methods=("DELETE",)),
    "org_api:ping_webhook": Page(API_KEY, lambda w: [1], methods=POST),
    "org_api:list_deliveries": Page(API_KEY, lambda w: [1]),
    "org_api:send_delivery_again": Page(API_KEY, lambda w: [1, 1], methods=POST),
    # -- self-recognition and requests: the learner's own
    "recognition:skills": Page(SIGNED_IN),
    "recognition:claim": Page(SIGNED_IN, lambda w: [w.competency.uuid], methods=BOTH),
    "recognition:unclaim": Page(SIGNED_IN, lambda w: [w.competency.uuid], methods=POST),
    "recognition:requests": Page(SIGNED_IN),
    "recognition:open": Page(SIGNED_IN, lambda w: [w.org_a.slug, w.mc_public.slug], methods=POST),
    "recognition:request": Page(OWNER, lambda w: [w.draft.uuid]),
    "recognition:autosave": Page(OWNER, lambda w: [w.draft.uuid], methods=POST),
    "recognition:places": Page(OWNER, lambda w: [w.draft.uuid], methods=POST),
    "recognition:add_evidence": Page(OWNER, lambda w: [w.draft.uuid], methods=POST),
    "recognition:evidence": Page(OWNER, lambda w: [w.draft.uuid, w.evidence.pk]),
    "recognition:remove_evidence": Page(OWNER, lambda w: [w.draft.uuid, w.evidence.pk], methods=POST),
    "recognition:invite": Page(OWNER, lambda w: [w.draft.uuid], methods=POST),
    "recognition:resend": Page(OWNER, lambda w: [w.draft.uuid, w.endorsement_invitation.uuid], methods=POST),
    "recognition:cancel_invitation": Page(
        OWNER, lambda w: [w.draft.uuid, w.endorsement_invitation.uuid], methods=POST
    ),
    "recognition:submit": Page(OWNER, lambda w: [w.draft.uuid], methods=POST),
    "recognition:withdraw": Page(OWNER, lambda w: [w.draft.uuid], methods=POST),
    "recognition:message": Page(OWNER, lambda w: [w.submitted.uuid], methods=POST),
    # endorsers have no account: the link they were sent
    "recognition:endorse": Page(TOKEN, lambda w: [w.endorsement_token], dead=lambda w: ["not-a-token"]),
    "recognition:decline_endorsement": Page(
        TOKEN, lambda w: [w.endorsement_token], dead=lambda w: ["not-a-token"], methods=POST, ok=(200,)
    ),
    # assessors: submitted requests of their organisation only
    "recognition:queue": Page(ORG_REVIEW, org_a),
    "recognition:review": Page(ORG_REVIEW, lambda w: [w.submitted.uuid]),
    "recognition:assign": Page(ORG_REVIEW, lambda w: [w.submitted.uuid], methods=POST),
    "recognition:decide": Page(ORG_REVIEW, lambda w: [w.submitted.uuid], methods=POST),
    "recognition:review_message": Page(ORG_REVIEW, lambda w: [w.submitted.uuid], methods=POST),
    # -- notifications: each person's own
    "inbox:inbox": Page(SIGNED_IN),
    "inbox:open": Page(OWNER, lambda w: [w.notification.pk], ok=(302,)),
    "inbox:mark_all_read": Page(SIGNED_IN, methods=POST),
    # -- issued credentials: the organisation's pages, and the holder's
    "issued:list": Page(ORG_REVIEW, org_a),
    "issued:credential": Page(ORG_REVIEW, lambda w: [w.org_a.slug, w.link.uuid]),
    "issued:change_status": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.link.uuid], methods=POST),
    # bulk issuance from a CSV file: the admins only (assessors decide one request at a time)
    "issued:bulk": Page(ORG_ADMIN, org_a, methods=BOTH),
    "issued:bulk_template": Page(ORG_ADMIN, org_a),
    "issued:bulk_job": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.bulk_job.uuid]),
    "issued:bulk_progress": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.bulk_job.uuid]),
    "issued:bulk_download": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.bulk_job.uuid]),
    "issued:bulk_confirm": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.bulk_job.uuid], methods=POST),
    "issued:bulk_discard": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.bulk_job.uuid], methods=POST),
    "issued:bulk_resume": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.bulk_job.uuid], methods=POST),
    "issued:mine": Page(OWNER, lambda w: [w.private.uuid]),
    "issued:download": Page(OWNER, lambda w: [w.private.uuid]),
    "issued:download_jwt": Page(OWNER, lambda w: [w.private.uuid]),
    "issued:download_png": Page(OWNER, lambda w: [w.private.uuid], ok=(200, 302)),
    "issued:download_svg": Page(OWNER, lambda w: [w.private.uuid], ok=(200, 302)),
    "issued:qr_svg": Page(OWNER, lambda w: [w.private.uuid]),
    "issued:qr_png": Page(OWNER, lambda w: [w.private.uuid]),
    "issued:wallet_qr_svg": Page(OWNER, lambda w: [w.private.uuid]),
    "issued:wallet_qr_png": Page(OWNER, lambda w: [w.private.uuid]),
    "issued:linkedin": Page(OWNER, lambda w: [w.private.uuid], ok=(302,)),
    # -- the audit trail: the organisation's admins
    "audit:journal": Page(ORG_ADMIN, org_a),
    "audit:journal_csv": Page(ORG_ADMIN, org_a),
    # -- figures: the organisation's admins and assessors, the platform's staff (carnet.insights)
    "insights:organisation": Page(ORG_REVIEW, org_a),
    "insights:organisation_csv": Page(ORG_REVIEW, org_a),
    "insights:platform": Page(STAFF),
    "insights:platform_csv": Page(STAFF),
    # -- known issuers: the platform's staff (carnet.trust)
    "trust:issuers": Page(STAFF, methods=BOTH),
    "trust:import": Page(STAFF, methods=BOTH),
    "trust:export": Page(STAFF),
    "trust:withdraw": Page(STAFF, lambda w: [w.known_issuer.pk], methods=BOTH, ok=(200, 302)),
    # -- the carnet
    "portfolio:carnet": Page(SIGNED_IN),
    "portfolio:settings": Page(SIGNED_IN, methods=BOTH),
    "portfolio:cv": Page(SIGNED_IN, methods=BOTH),
    "portfolio:profile": Page(
        SHOWN, lambda w: [w.hidden_profile.slug], shown=lambda w: [w.profile.slug], allowed=()
    ),
    "portfolio:badge": Page(SHOWN, lambda w: [w.private.uuid], shown=lambda w: [w.public.uuid]),
    "portfolio:badge_json": Page(SHOWN, lambda w: [w.private.uuid], shown=lambda w: [w.public.uuid]),
    "portfolio:shared": Page(TOKEN, lambda w: [w.live_token], dead=lambda w: [w.expired_token]),
    "portfolio:shared_json": Page(TOKEN, lambda w: [w.live_token], dead=lambda w: [w.withdrawn_token]),
    "portfolio:visibility": Page(OWNER, lambda w: [w.private.uuid], methods=POST),
    "portfolio:create_link": Page(OWNER, lambda w: [w.private.uuid], methods=POST),
    "portfolio:withdraw_link": Page(OWNER, lambda w: [w.private.uuid, w.live_link.pk], methods=POST),
    "portfolio:import": Page(SIGNED_IN, methods=BOTH),
    "portfolio:imported": Page(OWNER, lambda w: [w.imported.uuid]),
    "portfolio:reverify_imported": Page(OWNER, lambda w: [w.imported.uuid], methods=POST),
    "portfolio:delete_imported": Page(OWNER, lambda w: [w.imported.uuid], methods=POST),
    "portfolio:imported_image": Page(OWNER, lambda w: [w.imported.uuid]),
    "portfolio:imported_original": Page(OWNER, lambda w: [w.imported.uuid]),
    "portfolio:imported_visibility": Page(
        OWNER, lambda w: [w.imported.uuid], methods=POST, data={"visibility": "private"}
    ),
    "portfolio:imported_shown": Page(
        SHOWN, lambda w: [w.imported.uuid], shown=lambda w: [w.imported_public.uuid]
    ),
    "portfolio:imported_shown_image": Page(
        SHOWN, lambda w: [w.imported.uuid], shown=lambda w: [w.imported_public.uuid]
    ),
    # -- employers: the members of the employer organisation; the learner's side of contacts
    "employers:jobs": Page(EMPLOYER, employer_org, methods=BOTH),
    "employers:job": Page(EMPLOYER, lambda w: [w.employer_org.slug, w.job.pk]),
    "employers:partner_requests": Page(EMPLOYER, employer_org),
    "employers:partner_request": Page(
        EMPLOYER, lambda w: [w.employer_org.slug, w.partner_request.uuid], methods=BOTH
    ),
    "employers:candidate_badge": Page(EMPLOYER, lambda w: [w.employer_org.slug, w.job.pk, w.private.uuid]),
    "employers:contact": Page(EMPLOYER, lambda w: [w.employer_org.slug, w.job.pk, w.owner.pk], methods=POST),
    "employers:my_contacts": Page(SIGNED_IN),
    "employers:my_contact": Page(OWNER, lambda w: [w.contact_to_owner.uuid], methods=BOTH),
    # -- certificates: the organisation's queue and list, the holder's page, the page others see
    "stacked:queue": Page(ORG_REVIEW, org_a),
    "stacked:confirm": Page(ORG_REVIEW, lambda w: [w.org_a.slug, w.confirmation.pk], methods=POST),
    "stacked:decline": Page(ORG_REVIEW, lambda w: [w.org_a.slug, w.confirmation.pk], methods=POST),
    "stacked:issued_list": Page(ORG_REVIEW, org_a),
    "stacked:issued": Page(ORG_REVIEW, lambda w: [w.org_a.slug, w.certificate_private.uuid]),
    "stacked:revoke": Page(ORG_ADMIN, lambda w: [w.org_a.slug, w.certificate_private.uuid], methods=POST),
    "stacked:public": Page(
        SHOWN, lambda w: [w.certificate_private.uuid], shown=lambda w: [w.certificate_public.uuid]
    ),
    "stacked:public_json": Page(
        SHOWN, lambda w: [w.certificate_private.uuid], shown=lambda w: [w.certificate_public.uuid]
    ),
    "stacked:mine": Page(OWNER, lambda w: [w.certificate_private.uuid]),
    "stacked:visibility": Page(OWNER, lambda w: [w.certificate_private.uuid], methods=POST),
    "stacked:download": Page(OWNER, lambda w: [w.certificate_private.uuid, "badge"]),
    # -- the Open Badges API (tokens, not sessions: 401 without one) and its OAuth 2.0 endpoints
    "oauth:authorize": Page(SIGNED_IN, ok=(400,)),  # without its parameters: the error page
    "oauth:token": Page(MACHINE, methods=POST, ok=(400, 401)),
    "oauth:revoke": Page(MACHINE, methods=POST, ok=(200, 400, 401)),
    "oauth:register": Page(MACHINE, methods=POST, ok=(415,)),  # a form, not JSON
    "ob_api:discovery": Page(MACHINE),
    "ob_api:credentials": Page(MACHINE, methods=BOTH, ok=(401,)),
    "ob_api:profile": Page(MACHINE, ok=(401,)),
    "applications:connected": Page(SIGNED_IN),
    "applications:withdraw": Page(OWNER, lambda w: [w.oauth_app.pk], methods=POST, ok=(302,)),
    # -- privacy: the notice for anyone; each person's consents, archive and deletion for them alone
    "privacy:policy": Page(PUBLIC),
    "privacy:mine": Page(SIGNED_IN),
    "privacy:withdraw": Page(SIGNED_IN, lambda w: ["search"], methods=POST, ok=(302,)),
    "privacy:export": Page(SIGNED_IN, methods=POST, ok=(302,)),
    "privacy:download": Page(OWNER, lambda w: [w.export_token]),
    "privacy:delete": Page(SIGNED_IN, methods=BOTH),
}

# The Django admin: every page of it goes through AdminSite.admin_view (staff only, others are sent
# to its login page). Its URLs are made per registered model, so the namespace is declared whole;
# each of them is still requested below.
NAMESPACES = {"admin": STAFF}


# -- the URLs of the site --------------------------------------------------------------------------


def walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(namespace:name, pattern) of every named URL under ``resolver``, through its includes."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, inner)
        elif entry.name:
            yield namespace + entry.name, entry


def named_urls() -> dict[str, URLPattern]:
    return dict(walk(get_resolver()))


def declared(name: str) -> bool:
    return name in ACCESS or (name.partition(":")[0] in NAMESPACES and ":" in name)


def test_every_url_of_the_site_is_declared_in_the_map():
    """A new page must say who may open it: add it to ACCESS (and its test follows)."""
    assert sorted(name for name in named_urls() if not declared(name)) == []


def test_the_map_declares_no_url_that_is_gone():
    assert sorted(set(ACCESS) - set(named_urls())) == []
    assert all(any(name.startswith(f"{ns}:") for name in named_urls()) for ns in NAMESPACES)


def test_every_kind_of_access_is_known():
    assert {page.kind for page in ACCESS.values()} <= set(WHO)


# -- the world ---------------------------------------------------------------------------------------

PASSWORD = "a long test password"
NARRATIVE = (
    "Pendant deux saisons, j'ai entraîné l'équipe de hockey novice de mon quartier : planifier les "
    "pratiques, parler aux parents, régler les conflits entre les joueurs."
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"

# Names that tell the owner's badges apart on a page.
PRIVATE_BADGE, LINK_BADGE, PUBLIC_BADGE = "Fiabilité", "Ponctualité", "Communication"
# The learners whose emails no page for others may show.
LEARNERS = ("owner", "other", "silent", "withdrew")


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#0b5394").save(out, format="PNG")
    return out.getvalue()


def build_world() -> SimpleNamespace:
    """Two organisations (A, B) with their admins and assessors, two employers, the platform's
    staff, and learners: ``owner`` (no display name: nothing may fall back to their email), ``other``,
    ``silent`` (never consented to be found) and ``withdrew`` (consented, then withdrew). The owner
    holds three credentials of A (private, link-visible, public), share links (live, expired,
    withdrawn), an imported badge, three certificates (private, link, public), a draft request never
    submitted and a submitted one, and was written to by an employer."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from carnet.catalogue import services as catalogue
    from carnet.catalogue.services import RequirementSpec
    from carnet.employers import services as employers
    from carnet.frameworks import services as frameworks
    from carnet.frameworks.models import Competency, Framework
    from carnet.inbox.services import notify
    from carnet.issuing import services as issuing
    from carnet.issuing.keys import ensure_signing_key
    from carnet.issuing.models import StatusList
    from carnet.organisations.models import Invitation, Membership, Organisation
    from carnet.organisations.services import add_member, create_organisation, invite_member
    from carnet.portfolio import services as portfolio
    from carnet.portfolio.models import ImportedBadge, ShareLink
    from carnet.recognition import services as recognition
    from carnet.site.tokens import new_token
    from carnet.stacking import services as stacking

    users = get_user_model().objects
    w = SimpleNamespace(anonymous=None)
    w.owner = users.create_user("owner@learner.test", PASSWORD)
    w.other = users.create_user("other@learner.test", PASSWORD, display_name="Sam Autre")
    w.silent = users.create_user("silent@learner.test", PASSWORD, display_name="Noa Silence")
    w.withdrew = users.create_user("withdrew@learner.test", PASSWORD, display_name="Io Retrait")
    w.admin_a = users.create_user("admin@a.test", PASSWORD, display_name="Admin A")
    w.assessor_a = users.create_user("assessor@a.test", PASSWORD)
    w.admin_b = users.create_user("admin@b.test", PASSWORD)
    w.assessor_b = users.create_user("assessor@b.test", PASSWORD)
    w.employer = users.create_user("hr@employer.test", PASSWORD)
    w.other_employer = users.create_user("hr@other-employer.test", PASSWORD)
    w.staff = users.create_user("staff@carnet.test", PASSWORD, is_staff=True, is_superuser=True)

    w.org_a = create_organisation(
        name="Organisme A", kind=Organisation.Kind.COMMUNITY, admin=w.admin_a, slug="organisme-a"
    )
    w.assessor_membership = add_member(organisation=w.org_a, user=w.assessor_a, role=Membership.Role.ASSESSOR)
    w.org_b = create_organisation(
        name="Cégep B", kind=Organisation.Kind.COLLEGE, admin=w.admin_b, slug="cegep-b"
    )
    add_member(organisation=w.org_b, user=w.assessor_b, role=Membership.Role.ASSESSOR)
    w.employer_org = create_organisation(
        name="Employeur E", kind=Organisation.Kind.EMPLOYER, admin=w.employer, slug="employeur-e"
    )
    create_organisation(
        name="Employeur F", kind=Organisation.Kind.EMPLOYER, admin=w.other_employer, slug="employeur-f"
    )
    w.member_invitation = invite_member(
        organisation=w.org_a, email="nouveau@a.test", role=Membership.Role.ASSESSOR, invited_by=w.admin_a
    )
    w.member_invitation_token, digest = new_token()
    Invitation.objects.filter(pk=w.member_invitation.pk).update(token_hash=digest)

    # Frameworks: the default one (published by migration) and a draft of the staff's.
    w.published_framework = Framework.objects.get(slug="competences-generiques")
    w.competency = Competency.objects.filter(framework__status="published").order_by("code").first()
    w.framework = frameworks.create_framework(
        fields={"slug": "essai", "version": "1.0", "name_fr": "Référentiel d'essai", "name_en": "Test framework",
                "description_fr": "", "description_en": "", "publisher": "Carnet"},
        competencies=[{"code": "T-1", "name_fr": "Écoute", "name_en": "Listening", "description_fr": "",
                       "description_en": "", "aligned_to": "", "aligned_url": "", "indicators": [], "levels": []}],
    )  # fmt: skip
    w.competency_draft = w.framework.competencies.get()

    def micro_credential(name: str, publish: bool = True, image: bool = False) -> Any:
        item = catalogue.create_micro_credential(
            organisation=w.org_a,
            fields={"name_fr": name, "name_en": f"{name} (en)", "description_fr": f"{name} : ce qu'elle atteste.",
                    "criteria_fr": "Observée en situation réelle.", "learning_contexts": ["work"],
                    "assessment_method": "observation", "endorsements_required": 0},
            alignments=[(w.competency, w.competency.levels.get(rank=3))],
        )  # fmt: skip
        if image:
            catalogue.set_badge_image(micro_credential=item, image=SVG, image_name="badge.svg", png=png())
        if publish:
            catalogue.publish_micro_credential(micro_credential=item)
        item.refresh_from_db()
        return item

    w.mc_private = micro_credential(PRIVATE_BADGE, image=True)  # its badge baked into PNG and SVG
    w.mc_link, w.mc_public = micro_credential(LINK_BADGE), micro_credential(PUBLIC_BADGE)
    w.mc_draft_request, w.mc_submitted = micro_credential("Leadership"), micro_credential("Travail d'équipe")
    w.mc_draft = micro_credential("Brouillon", publish=False)
    w.need_document = catalogue.add_need_document(
        micro_credential=w.mc_draft, name="lettre.txt", data=b"Lettre d'un employeur.", actor=w.admin_a
    )

    def issue(item: Any, person: Any) -> Any:
        return issuing.issue_credential(
            organisation=w.org_a, version=item.current_version(), recipient=person, recipient_email=person.email,
            idempotency_key=f"{item.slug}-{person.pk}", source="bulk",
        )  # fmt: skip

    w.private = issue(w.mc_private, w.owner)
    w.link = issue(w.mc_link, w.owner)
    w.public = issue(w.mc_public, w.owner)
    portfolio.set_visibility(credential=w.link, visibility="link", actor=w.owner)
    portfolio.set_visibility(credential=w.public, visibility="public", actor=w.owner)
    portfolio.create_share_link(credential=w.link, days=30, label="Pour un employeur", actor=w.owner)
    ensure_signing_key(None)  # the platform's own key, in /.well-known/did.json
    recognition.save_skill_claim(
        learner=w.owner, competency=w.competency, level=None, learning_contexts=["work"], situations=[]
    )
    w.status_list = StatusList.objects.filter(organisation=w.org_a).first()
    for person in (w.other, w.silent, w.withdrew):
        portfolio.set_visibility(credential=issue(w.mc_public, person), visibility="public", actor=person)

    w.live_link, w.live_token = portfolio.create_share_link(credential=w.private, days=30, actor=w.owner)
    expired, w.expired_token = portfolio.create_share_link(credential=w.private, days=7, actor=w.owner)
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    withdrawn, w.withdrawn_token = portfolio.create_share_link(credential=w.private, days=30, actor=w.owner)
    portfolio.withdraw_share_link(link=withdrawn, actor=w.owner)

    w.profile = portfolio.update_profile(
        user=w.owner, enabled=True, headline="Entraîneur de hockey", slug="mon-profil"
    )
    w.hidden_profile = portfolio.update_profile(
        user=w.other, enabled=False, headline="", slug="sam-hors-ligne"
    )

    w.imported = portfolio.import_badge(
        holder=w.owner, data=json.dumps(signed_badge(Ed25519Key.generate(), w.owner.email))
    )
    w.imported_public = portfolio.import_badge(
        holder=w.owner, data=json.dumps(signed_badge(Ed25519Key.generate(), w.owner.email))
    )
    ImportedBadge.objects.filter(pk__in=[w.imported.pk, w.imported_public.pk]).update(image_png=png())
    portfolio.set_imported_visibility(badge=w.imported_public, visibility="public", actor=w.owner)

    # Certificates of A, each bundling the link-visible and the public credentials.
    def certificate(name: str, issuance: str = "automatic") -> Any:
        spec = RequirementSpec(
            key=0, parent=None, rule="all", minimum=1, micro_credentials=(w.mc_link, w.mc_public)
        )
        item = catalogue.create_certificate(
            organisation=w.org_a,
            fields={"name_fr": name, "name_en": f"{name} (en)", "description_fr": "Les bases.",
                    "description_en": "The basics.", "issuance": issuance},
            groups=[spec],
        )  # fmt: skip
        catalogue.publish_certificate(certificate=item)
        item.refresh_from_db()
        return item

    issued = {}
    for visibility in ("private", "link", "public"):
        made = stacking.issue_certificate(
            certificate=certificate(f"Certificat {visibility}"),
            recipient=w.owner,
            credentials=[w.link, w.public],
        )
        stacking.set_visibility(issued=made, visibility=visibility, actor=w.owner)
        issued[visibility] = made
    w.certificate_private, w.certificate_link, w.certificate_public = issued.values()
    w.confirmation = stacking.request_confirmation(
        certificate=certificate("Certificat confirmé", issuance="confirmed"),
        recipient=w.owner,
        since=timezone.now(),
    )

    # Requests to A: a draft never submitted (with a file and an endorser invited), a submitted one.
    w.draft = recognition.open_request(learner=w.owner, micro_credential=w.mc_draft_request)
    w.evidence = recognition.add_evidence_file(request=w.draft, name="preuve.pdf", data=PDF, title="Preuve")
    w.endorsement_invitation, w.endorsement_token = recognition.invite_endorser(request=w.draft, name="Marie")
    # A partner asked to endorse a definition (addressed to the employer E's member, who confirmed the
    # address: only they answer it in the workspace), and one who endorsed another.
    EmailAddress.objects.create(user=w.employer, email=w.employer.email, verified=True, primary=True)
    partner = {"partner_name": "Employeur E", "partner_kind": "employer", "contact_name": "RH",
               "contact_email": w.employer.email, "message": ""}  # fmt: skip
    w.partner_request, w.partner_token = catalogue.invite_partner(
        version=w.mc_public.current_version(), fields=partner, actor=w.admin_a
    )
    endorsed, _token = catalogue.invite_partner(
        version=w.mc_link.current_version(), fields=partner, actor=w.admin_a
    )
    w.partner_endorsed = catalogue.endorse_definition(
        request=endorsed, endorser_name="Léa", endorser_role="RH", comment="Utile."
    )
    w.submitted = recognition.open_request(learner=w.owner, micro_credential=w.mc_submitted)
    level = w.competency.levels.get(rank=3)
    recognition.save_draft(request=w.submitted, narrative=NARRATIVE, claimed_level=level)
    recognition.set_places(
        request=w.submitted,
        places=[{"learning_context": "sport", "name": "Hockey mineur Rosemont", "role": "Entraîneur",
                 "start_date": date(2023, 9, 1), "end_date": date(2025, 4, 30)}],
    )  # fmt: skip
    recognition.submit_request(request=w.submitted)

    # Employers' searches: the owner and ``other`` consent; ``withdrew`` withdrew; ``silent`` never did.
    for person in (w.owner, w.other, w.withdrew):
        portfolio.set_search_consent(user=person, given=True)
    portfolio.set_search_consent(user=w.withdrew, given=False)
    w.job = employers.create_job(
        organisation=w.employer_org, title="Commis", description="Un poste.",
        requirements=[(w.competency, 2)], actor=w.employer,
    )  # fmt: skip
    w.contact_to_owner = employers.contact_learner(
        organisation=w.employer_org, job=w.job, learner=w.owner, message="Bonjour", sender=w.employer
    )
    w.contact_to_other = employers.contact_learner(
        organisation=w.employer_org, job=w.job, learner=w.other, message="Bonjour", sender=w.employer
    )
    employers.answer_contact(contact=w.contact_to_other, answer="Avec plaisir.", actor=w.other)
    w.notification = notify(w.owner, "contact.received", link="/mes-contacts/", organisation="Employeur E")

    # A webhook of A (made directly: adding one through the page checks its address online).
    from carnet.webhooks.models import Delivery, Endpoint

    w.webhook = Endpoint.objects.create(
        organisation=w.org_a, url="https://hooks.example.org/carnet", events=["credential.issued"],
        secret="whsec_" + "A" * 44,
    )  # fmt: skip
    w.webhook_delivery = Delivery.objects.create(
        endpoint=w.webhook, event_type="ping", payload={}, state="failed"
    )
    from carnet.api.keys import create_api_key

    w.api_key, _token = create_api_key(
        organisation=w.org_a, name="LMS", scopes=["audit:read"], actor=w.admin_a
    )
    w.oauth_app = connected_application(w.owner)
    from carnet.issuing.bulk import preview_csv_job

    w.bulk_job = preview_csv_job(
        organisation=w.org_a, version=w.mc_public.current_version(), data=b"courriel\nowner@learner.test\n",
        filename="cohorte.csv", actor=w.admin_a,
    )  # fmt: skip
    # The owner's "download all my data" archive, ready (made directly: the page makes it in the background).
    from django.core.files.base import ContentFile

    from carnet.privacy.models import DataExport
    from carnet.privacy.views import download_token

    w.export = DataExport(user=w.owner, state="ready", expires_at=timezone.now() + timedelta(days=1))
    w.export.file.save("archive.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    w.export_token = download_token(w.export)
    # An issuer the platform recognises (carnet.trust).
    from carnet.trust.services import add_known_issuer

    w.known_issuer = add_known_issuer(
        actor=w.staff, identifier="did:web:formation.example.org", name="Formation", reason="Partenaire"
    )
    return w


def connected_application(person: Any) -> Any:
    """An application of the Open Badges API that ``person`` allowed (it holds a live token)."""
    from oauth2_provider.models import AccessToken, Application

    application = Application.objects.create(
        name="Portefeuille", client_type="confidential", authorization_grant_type="authorization-code",
        redirect_uris="https://wallet.example/cb",
    )  # fmt: skip
    AccessToken.objects.create(
        user=person, application=application, token="access-map-token", scope=settings.OB_SCOPE + "credential.readonly",
        expires=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    return application


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    """The world, made once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """No page kept, no rate limit counted, from one test to the next."""
    cache.clear()
    yield
    cache.clear()


def client_of(world: SimpleNamespace, actor: str) -> Client:
    client = Client()
    person = getattr(world, actor)
    if person is not None:
        client.force_login(person)
    return client


# -- who is refused, who gets in ----------------------------------------------------------------------

LOGIN = reverse("account_login")


def refused(response: Any, actor: str) -> bool:
    """The project's refusals: 404 (nothing tells the thing exists), 410 for a dead secret link,
    405 for a method the page never answers, and for a visitor who is not signed in, the login page."""
    if response.status_code in (404, 405, 410):
        return True
    if response.status_code == 401 and response.has_header("WWW-Authenticate"):
        return True  # an API that takes keys, not sessions
    location = response.get("Location", "")
    return actor == "anonymous" and response.status_code == 302 and location.startswith(LOGIN)


def cases() -> Iterator[Any]:
    for name, page in sorted(ACCESS.items()):
        allowed, refusing = WHO[page.kind]
        for method in page.methods:
            if page.kind == TOKEN or page.kind == SHOWN:
                yield pytest.param(
                    name, method, "anonymous", "allowed-shown", id=f"{name}-{method}-anonymous-shown"
                )
            for actor in page.allowed if page.allowed is not None else allowed:
                if page.kind != TOKEN:
                    yield pytest.param(name, method, actor, "allowed", id=f"{name}-{method}-{actor}")
            for actor in refusing:
                yield pytest.param(name, method, actor, "refused", id=f"{name}-{method}-{actor}-refused")


def address(world: SimpleNamespace, name: str, case: str) -> str:
    page = ACCESS[name]
    args = page.args
    if case == "allowed-shown" and page.shown is not None:
        args = page.shown
    if case == "refused" and page.dead is not None:
        args = page.dead
    return reverse(name, args=args(world))


def send(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "PATCH":
        return client.patch(url, json.dumps(data), content_type="application/json")
    if method == "DELETE":
        return client.delete(url)
    return client.post(url, data) if method == "POST" else client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor", "case"), list(cases()))
def test_access(world, name, method, actor, case):
    page = ACCESS[name]
    url = address(world, name, case)
    response = send(client_of(world, actor), method, url, page.data)
    if case == "refused":
        assert refused(response, actor), f"{actor} got {response.status_code} from {method} {url}"
        return
    expected = page.ok or ((200,) if method == "GET" else (200, 302, 400))
    assert response.status_code in expected, f"{actor} got {response.status_code} from {method} {url}"
    if response.status_code == 302 and page.kind != ACCOUNT:
        assert not response["Location"].startswith(LOGIN), f"{actor} sent to log in by {url}"


def admin_urls() -> list[str]:
    """The address of each URL of the admin, with placeholder arguments (refused before they are read)."""
    placeholders = {"app_label": "accounts", "object_id": "1", "content_type_id": "1", "id": "1"}
    found = []
    for name, pattern in sorted(named_urls().items()):
        if name.startswith("admin:"):
            groups = pattern.pattern.regex.groupindex
            found.append(reverse(name, kwargs={group: placeholders[group] for group in groups}))
    return found


ADMIN_LOGIN = "/admin/login/"


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["anonymous", "owner", "admin_a", "employer"])
def test_the_admin_is_for_the_staff_only(world, actor):
    client = client_of(world, actor)
    for url in admin_urls():
        if url.startswith((ADMIN_LOGIN, "/admin/logout/")):
            continue  # the admin's own login and logout pages
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(ADMIN_LOGIN), url


@pytest.mark.django_db
def test_the_staff_opens_the_admin(world):
    client = client_of(world, "staff")
    lists = [url for url in admin_urls() if url.count("/") == 4 and url.endswith("/") and "/r/" not in url]
    assert client.get("/admin/").status_code == 200
    for url in lists:
        assert client.get(url).status_code in (200, 302), url  # 302: an app's page to its models


# -- what the pages show -------------------------------------------------------------------------------


def text_of(response: Any) -> str:
    import html

    return html.unescape(response.content.decode())


def no_learner_email(world: SimpleNamespace, text: str) -> list[str]:
    return [getattr(world, person).email for person in LEARNERS if getattr(world, person).email in text]


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["anonymous", "employer", "other"])
def test_the_pages_others_see_never_show_a_learners_email_nor_a_private_badge(world, actor):
    client = client_of(world, actor)
    w = world
    pages = {
        "public badge": reverse("portfolio:badge", args=[w.public.uuid]),
        "link-visible badge": reverse("portfolio:badge", args=[w.link.uuid]),
        "public badge's JSON": reverse("portfolio:badge_json", args=[w.public.uuid]),
        "public profile": reverse("portfolio:profile", args=[w.profile.slug]),
        "public certificate": reverse("stacked:public", args=[w.certificate_public.uuid]),
        "link-visible certificate": reverse("stacked:public", args=[w.certificate_link.uuid]),
        "certificate's JSON": reverse("stacked:public_json", args=[w.certificate_public.uuid]),
        "share link": reverse("portfolio:shared", args=[w.live_token]),
        "share link's JSON": reverse("portfolio:shared_json", args=[w.live_token]),
        "public imported badge": reverse("portfolio:imported_shown", args=[w.imported_public.uuid]),
    }
    for what, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, what
        text = text_of(response)
        assert no_learner_email(w, text) == [], what
        if what != "share link" and what != "share link's JSON":
            assert PRIVATE_BADGE not in text, what
            assert str(w.private.uuid) not in text, what
            assert str(w.imported.uuid) not in text, what


@pytest.mark.django_db
def test_a_holder_without_a_name_is_this_person_on_the_pages_others_see(world):
    client = client_of(world, "anonymous")
    badge = text_of(client.get(reverse("portfolio:badge", args=[world.public.uuid])))
    assert "Cette personne l'a obtenue de Organisme A" in badge
    certificate = text_of(client.get(reverse("stacked:public", args=[world.certificate_public.uuid])))
    assert "Cette personne l'a obtenu de Organisme A" in certificate


@pytest.mark.django_db
def test_the_public_profile_lists_only_public_badges_and_certificates(world):
    text = text_of(client_of(world, "anonymous").get(reverse("portfolio:profile", args=[world.profile.slug])))
    assert PUBLIC_BADGE in text and "Certificat public" in text
    assert PRIVATE_BADGE not in text and LINK_BADGE not in text
    assert "Certificat private" not in text and "Certificat link" not in text
    assert str(world.imported_public.uuid) in text and str(world.imported.uuid) not in text


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["expired_token", "withdrawn_token"])
@pytest.mark.parametrize("name", ["portfolio:shared", "portfolio:shared_json"])
def test_a_dead_share_link_shows_nothing(world, token, name):
    response = client_of(world, "anonymous").get(reverse(name, args=[getattr(world, token)]))
    assert response.status_code == 410
    assert PRIVATE_BADGE not in text_of(response)


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["anonymous", "other", "employer", "admin_a"])
@pytest.mark.parametrize(
    "accept", ["application/vc+ld+json", "application/ld+json", "application/json", "text/html"]
)
def test_a_private_credential_is_refused_in_every_form(world, actor, accept):
    """The badge page, its content negotiation and its JSON address: only its holder, as the baked
    images (issued:download_png) and the JSON download."""
    client = client_of(world, actor)
    for name in ("portfolio:badge", "portfolio:badge_json"):
        response = client.get(reverse(name, args=[world.private.uuid]), HTTP_ACCEPT=accept)
        assert response.status_code == 404, (name, accept)


@pytest.mark.django_db
def test_a_link_visible_credential_reads_at_its_json_address(world):
    response = client_of(world, "anonymous").get(reverse("portfolio:badge_json", args=[world.link.uuid]))
    assert response.status_code == 200 and json.loads(response.content) == world.link.document


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["anonymous", "other", "employer"])
def test_a_private_certificate_and_a_profile_offline_are_refused(world, actor):
    client = client_of(world, actor)
    assert client.get(reverse("stacked:public", args=[world.certificate_private.uuid])).status_code == 404
    assert (
        client.get(reverse("stacked:public_json", args=[world.certificate_private.uuid])).status_code == 404
    )
    assert client.get(reverse("portfolio:profile", args=[world.hidden_profile.slug])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["anonymous", "employer", "admin_b"])
def test_drafts_of_the_catalogue_and_of_frameworks_are_not_public(world, actor):
    client = client_of(world, actor)
    drafts = [
        reverse("catalogue:detail", args=[world.org_a.slug, world.mc_draft.slug]),
        reverse("issuing:achievement", args=[world.org_a.slug, world.mc_draft.slug, 1]),
        reverse("frameworks:detail", args=[world.framework.slug]),
    ]
    for url in drafts:
        assert client.get(url).status_code == 404, url
    assert "Brouillon" not in text_of(client.get(reverse("catalogue:browse")))


# -- employers -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_search_finds_only_consenting_learners_and_no_email_before_an_answer(world):
    w = world
    text = text_of(
        client_of(w, "employer").get(reverse("employers:job", args=[w.employer_org.slug, w.job.pk]))
    )
    assert f"Candidat·e {w.owner.pk}" in text and "Sam Autre" in text
    assert "Noa Silence" not in text and "Io Retrait" not in text
    assert w.other.email in text  # ``other`` answered the employer's message
    assert [email for email in no_learner_email(w, text) if email != w.other.email] == []


@pytest.mark.django_db
def test_a_declined_or_unanswered_contact_never_shows_the_email(world):
    from carnet.employers import services

    services.decline_contact(contact=world.contact_to_owner, actor=world.owner)
    client = client_of(world, "employer")
    text = text_of(client.get(reverse("employers:job", args=[world.employer_org.slug, world.job.pk])))
    assert world.owner.email not in text


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["silent", "withdrew"])
def test_an_employer_never_opens_the_badge_of_someone_who_does_not_consent(world, person):
    from carnet.issuing.models import IssuedCredential

    credential = IssuedCredential.objects.get(recipient=getattr(world, person))
    client = client_of(world, "employer")
    url = reverse("employers:candidate_badge", args=[world.employer_org.slug, world.job.pk, credential.uuid])
    assert client.get(url).status_code == 404
    contact = reverse(
        "employers:contact", args=[world.employer_org.slug, world.job.pk, getattr(world, person).pk]
    )
    assert client.post(contact, {"message": "Bonjour"}).status_code == 404


@pytest.mark.django_db
def test_the_candidates_badge_page_does_not_show_their_email(world):
    client = client_of(world, "employer")
    url = reverse(
        "employers:candidate_badge", args=[world.employer_org.slug, world.job.pk, world.private.uuid]
    )
    text = text_of(client.get(url))
    assert PRIVATE_BADGE in text and world.owner.email not in text


@pytest.mark.django_db
def test_another_employer_never_reads_the_job_nor_its_candidates(world):
    client = client_of(world, "other_employer")
    assert (
        client.get(reverse("employers:job", args=[world.employer_org.slug, world.job.pk])).status_code == 404
    )
    url = reverse("employers:candidate_badge", args=["employeur-f", world.job.pk, world.private.uuid])
    assert client.get(url).status_code == 404


# -- what an organisation sees of its learners ------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_never_submitted_stays_out_of_the_organisations_activity_log(world):
    from carnet.audit.selectors import trail

    draft_targets = {
        ("recognition.recognitionrequest", str(world.draft.pk)),
        ("recognition.evidence", str(world.evidence.pk)),
        ("recognition.endorsementinvitation", str(world.endorsement_invitation.pk)),
    }
    events = {(event.target_type, event.target_id) for event in trail(world.org_a)}
    assert events & draft_targets == set()
    assert ("recognition.recognitionrequest", str(world.submitted.pk)) in events
    client = client_of(world, "admin_a")
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client.get(reverse("audit:journal_csv", args=[world.org_a.slug])).streaming_content
                ).decode()
            )
        )
    )
    assert {(row[4], row[5]) for row in rows[1:]} & draft_targets == set()
    page = text_of(client.get(reverse("audit:journal", args=[world.org_a.slug]) + "?famille=evidence"))
    assert "Preuve ajoutée" not in page


@pytest.mark.django_db
def test_the_organisations_history_of_a_credential_leaves_out_the_holders_sharing(world):
    from carnet.issuing.selectors import history

    assert [event.verb for event in history(world.link)] == ["credential.issued"]
    client = client_of(world, "admin_a")
    text = text_of(client.get(reverse("issued:credential", args=[world.org_a.slug, world.link.uuid])))
    assert "visibility" not in text and "share_link" not in text and "Lien de partage" not in text


@pytest.mark.django_db
def test_an_assessor_reads_a_submitted_request_never_a_draft(world):
    client = client_of(world, "assessor_a")
    assert client.get(reverse("recognition:review", args=[world.submitted.uuid])).status_code == 200
    assert client.get(reverse("recognition:request", args=[world.submitted.uuid])).status_code == 404
    assert client.get(reverse("recognition:review", args=[world.draft.uuid])).status_code == 404
    evidence = reverse("recognition:evidence", args=[world.draft.uuid, world.evidence.pk])
    assert client.get(evidence).status_code == 404


def test_the_health_checks_are_public_machine_endpoints():
    assert ACCESS["alive"].kind == MACHINE and reverse("alive") == "/livez"
    assert ACCESS["health"].kind == MACHINE and reverse("health") == "/healthz"
    assert settings.ROOT_URLCONF == "carnet.site.urls"


@pytest.mark.django_db
def test_evidence_removed_from_a_draft_stays_out_of_the_activity_log(world):
    from carnet.audit.selectors import trail
    from carnet.recognition import services

    services.remove_evidence(evidence=world.evidence)
    assert [event.verb for event in trail(world.org_a) if event.verb.startswith("evidence.")] == []


@pytest.mark.django_db
def test_the_address_of_a_public_profile_never_comes_from_the_email(world):
    from carnet.portfolio.services import profile_of

    newcomer = world.owner.__class__.objects.create_user("jeanne.untel@learner.test", PASSWORD)
    assert profile_of(newcomer).slug == "profil"
    named = world.owner.__class__.objects.create_user("x@learner.test", PASSWORD, display_name="Jeanne Untel")
    assert profile_of(named).slug == "jeanne-untel"
