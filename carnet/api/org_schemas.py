"""The shapes of the organisation API's requests and answers (its OpenAPI document is made from them)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from carnet.webhooks.models import Event

MAX_RECIPIENTS = 1000
MAX_EVIDENCE = 10
LONG_TEXT = 5000
MAX_LIST = 100  # a size cap; the catalogue's form says how many it takes (15 learning outcomes)
SQL_INT = 2**31 - 1


def _printable(value: str) -> str:
    """No control character other than tab and line breaks: they have no place in a credential, and
    some break canonicalisation or the database (NUL)."""
    if any((ord(c) < 32 and c not in "\t\r\n") or ord(c) == 127 for c in value):
        raise ValueError("control characters are not allowed")
    return value


def _utc(value: datetime) -> datetime:
    """In UTC (a moment without offset is taken as UTC): databases refuse some offsets (PostgreSQL
    takes none beyond ±15:59)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc


Text = Annotated[str, AfterValidator(_printable)]
Moment = Annotated[datetime, AfterValidator(_utc)]
Id = Annotated[int, Field(ge=1, le=SQL_INT)]


class Body(Schema):
    """What a request's body holds: strict types (no "1" for 1, no false for 0)."""

    model_config = ConfigDict(strict=True)


class Problem(Schema):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["about:blank"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["Aucune microattestation de votre organisation ne porte cet identifiant."])
    code: str = Field(description="Which problem, for programs.", examples=["not_found"])
    lang: str = Field(examples=["fr"])
    errors: list[dict[str, Any]] | None = Field(
        None, description="For 422: each invalid field or row, and what is wrong with it."
    )


# -- the catalogue ---------------------------------------------------------------------------------


class AlignmentOut(Schema):
    competency: str = Field(description="The competency's code in its framework.", examples=["CG-EQU"])
    competency_name: str
    level_id: int | None = Field(description="The level's id (what `levels` takes when writing).")
    level_rank: int | None
    level_name: str | None


class VersionOut(Schema):
    number: int
    published_at: datetime | None
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    criteria_fr: str
    criteria_en: str
    evidence_fr: str
    evidence_en: str
    learning_contexts: list[str]
    assessment_method: str
    endorsements_required: int
    validity_months: int | None
    purpose_fr: str = Field(description="Why it exists: whom it serves and what it allows.")
    purpose_en: str
    outcomes_fr: list[str] = Field(description="Learning outcomes: what the person can do once earned.")
    outcomes_en: list[str]
    hours: int | None = Field(description="Size: average hours of learning, assessment included.")
    credits: float | None = Field(description="Size: credits, when an institution credits it (at most 40).")
    need_fr: str = Field(description="Who asked for it (employers, sectors, community needs); public.")
    need_en: str
    alignments: list[AlignmentOut]


class MicroCredentialSummary(Schema):
    id: int
    slug: str = Field(examples=["travail-d-equipe"])
    status: str = Field(description="draft, published or archived.", examples=["published"])
    name_fr: str
    name_en: str
    published_version: int | None = Field(description="The version that is issued (none: never published).")
    draft_version: int | None = Field(description="A version being written, not yet published.")
    url: str = Field(description="Its public page (once published).")


class NeedDocumentOut(Schema):
    """A document that shows the need (its file is not given: only the organisation's admins open it)."""

    name: str = Field(examples=["lettre-employeur.pdf"])
    size: int
    uploaded_at: datetime


class MicroCredentialOut(MicroCredentialSummary):
    created_at: datetime
    review_due: date | None = Field(description="The next yearly review of the definition.")
    review_overdue: bool = Field(description="Published and its review date has passed.")
    need_documents: list[NeedDocumentOut] = Field(description="The documents that show the need.")
    versions: list[VersionOut] = Field(description="Every version, newest first.")


class MicroCredentialPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[MicroCredentialSummary]


class MicroCredentialIn(Body):
    """What a micro-credential says (the same fields and rules as the catalogue's form)."""

    name_fr: Text = Field(max_length=120, examples=["Travail d'équipe"])
    name_en: Text = Field("", max_length=120, examples=["Teamwork"])
    description_fr: Text = Field(max_length=LONG_TEXT, examples=["Contribue à un objectif commun."])
    description_en: Text = Field("", max_length=LONG_TEXT)
    criteria_fr: Text = Field(max_length=LONG_TEXT, examples=["Coordonne le travail d'un groupe."])
    criteria_en: Text = Field("", max_length=LONG_TEXT)
    evidence_fr: Text = Field("", max_length=LONG_TEXT)
    evidence_en: Text = Field("", max_length=LONG_TEXT)
    learning_contexts: list[Text] = Field(
        max_length=10,
        description="Among work, volunteering, sport, community, training, daily_life.",
        examples=[["work", "volunteering"]],
    )
    assessment_method: Text = Field(
        max_length=20, description="endorsements, portfolio, observation or test.", examples=["observation"]
    )
    endorsements_required: int = Field(0, ge=0, le=20)
    validity_months: int | None = Field(None, ge=1, le=600)
    purpose_fr: Text = Field("", max_length=LONG_TEXT)
    purpose_en: Text = Field("", max_length=LONG_TEXT)
    outcomes_fr: list[Text] = Field(
        [], max_length=MAX_LIST, description="One learning outcome an item (15 at most)."
    )
    outcomes_en: list[Text] = Field([], max_length=MAX_LIST)
    hours: int | None = Field(None, description="1 to 1000.")
    credits: float | None = Field(None, description="0.5 to 40, one decimal at most.")
    need_fr: Text = Field("", max_length=LONG_TEXT)
    need_en: Text = Field("", max_length=LONG_TEXT)
    levels: list[Id] = Field(
        max_length=50,
        description="The ids of the levels attested, one per competency (see `alignments` of a micro-credential).",
        examples=[[3]],
    )


class MicroCredentialPatch(Body):
    """The fields to change; the others keep the values of the latest version."""

    name_fr: Text | None = Field(None, max_length=120)
    name_en: Text | None = Field(None, max_length=120)
    description_fr: Text | None = Field(None, max_length=LONG_TEXT)
    description_en: Text | None = Field(None, max_length=LONG_TEXT)
    criteria_fr: Text | None = Field(None, max_length=LONG_TEXT)
    criteria_en: Text | None = Field(None, max_length=LONG_TEXT)
    evidence_fr: Text | None = Field(None, max_length=LONG_TEXT)
    evidence_en: Text | None = Field(None, max_length=LONG_TEXT)
    learning_contexts: list[Text] | None = Field(None, max_length=10)
    assessment_method: Text | None = Field(None, max_length=20)
    endorsements_required: int | None = Field(None, ge=0, le=20)
    validity_months: int | None = Field(None, ge=1, le=600)
    purpose_fr: Text | None = Field(None, max_length=LONG_TEXT)
    purpose_en: Text | None = Field(None, max_length=LONG_TEXT)
    outcomes_fr: list[Text] | None = Field(None, max_length=MAX_LIST)
    outcomes_en: list[Text] | None = Field(None, max_length=MAX_LIST)
    hours: int | None = None
    credits: float | None = None
    need_fr: Text | None = Field(None, max_length=LONG_TEXT)
    need_en: Text | None = Field(None, max_length=LONG_TEXT)
    levels: list[Id] | None = Field(None, max_length=50)


# -- issuing ---------------------------------------------------------------------------------------


class EvidenceIn(Body):
    """How the person earned it: a narrative, a URL, or both."""

    narrative: Text | None = Field(None, max_length=LONG_TEXT, examples=["A animé trois ateliers."])
    url: Text | None = Field(
        None, max_length=2000, pattern=r"^https?://\S+$", examples=["https://example.org/portfolio/42"]
    )
    name: Text | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=LONG_TEXT)
    genre: Text | None = Field(None, max_length=100)


class IssueIn(Body):
    micro_credential: Text = Field(
        max_length=80, description="Its slug or id; its current published version is issued.",
        examples=["travail-d-equipe"],
    )  # fmt: skip
    recipient_email: Text = Field(max_length=254, examples=["alex@example.org"])
    evidence: list[EvidenceIn] = Field([], max_length=MAX_EVIDENCE)


class MicroCredentialRef(Schema):
    id: int
    slug: str
    version: int


class CredentialOut(Schema):
    id: UUID
    credential_id: str = Field(description="The credential's `id` in its signed document (urn:uuid:...).")
    micro_credential: MicroCredentialRef
    recipient_email: str
    recipient_has_account: bool = Field(description="Whether it went to a Carnet account's carnet.")
    status: str = Field(description="active, suspended or revoked.")
    status_reason: str
    status_changed_at: datetime | None
    issued_at: datetime
    valid_until: datetime | None
    source: str = Field(description="How it was issued: recognition, bulk or api.")


class CredentialDetail(CredentialOut):
    document: dict[str, Any] = Field(description="The signed OpenBadgeCredential (Open Badges 3.0).")


class CredentialPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[CredentialOut]


class ReasonIn(Body):
    reason: Text = Field(
        min_length=1,
        max_length=1000,
        description="Told to the holder by email.",
        examples=["Émise par erreur."],
    )


class RecipientIn(Body):
    email: Text = Field(max_length=254, examples=["alex@example.org"])
    name: Text = Field("", max_length=200, description="Kept with the job's row, to help you match results.")
    evidence: list[EvidenceIn] = Field([], max_length=MAX_EVIDENCE)


class JobIn(Body):
    micro_credential: Text = Field(
        max_length=80, description="Its slug or id.", examples=["travail-d-equipe"]
    )
    recipients: list[RecipientIn] = Field(min_length=1, max_length=MAX_RECIPIENTS)


class JobRowOut(Schema):
    row: int = Field(description="Its place in the list sent, from 0.")
    email: str
    name: str
    state: str = Field(description="pending, issued or failed.")
    credential: UUID | None = Field(description="The id of the credential issued.")
    error: str = Field(description="Why it was not issued.")


class JobRowPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[JobRowOut]


class JobOut(Schema):
    id: UUID
    state: str = Field(description="queued, running, done or failed.", examples=["running"])
    micro_credential: MicroCredentialRef
    total: int
    issued: int
    failed: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    rows: JobRowPage


# -- the audit trail -------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    created_at: datetime
    verb: str = Field(examples=["credential.issued"])
    label: str = Field(examples=["Microattestation délivrée"])
    actor: str | None = Field(
        description=(
            "Who did it: a person, or an API key (its name and prefix; `data` then holds `api_key`, "
            "the key's prefix, and `api_key_name`). None: the platform or a person without account."
        ),
        examples=["Clé d'API « LMS » (carnet_0123456789ab_…)"],
    )
    target_type: str
    target_id: str
    about: str
    data: dict[str, Any]


class EventPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[EventOut]


# -- webhooks --------------------------------------------------------------------------------------

EVENTS_DESCRIPTION = f"Among: {', '.join(Event.values)} (at least one)."


class WebhookIn(Body):
    url: str = Field(
        max_length=4096,
        description="A public https:// address that answers 2xx when it accepts a message.",
        examples=["https://lms.example.org/carnet/webhooks"],
    )
    events: list[Annotated[str, Field(max_length=100)]] = Field(
        max_length=20, description=EVENTS_DESCRIPTION, examples=[["credential.issued", "credential.revoked"]]
    )


class WebhookPatch(Body):
    events: list[Annotated[str, Field(max_length=100)]] | None = Field(
        None, max_length=20, description=EVENTS_DESCRIPTION
    )
    active: bool | None = Field(
        None, description="false: nothing more is sent to it; true: on again, its failures forgotten."
    )


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    disabled_at: datetime | None = Field(
        description="When Carnet turned it off after repeated failures (null otherwise)."
    )
    consecutive_failures: int
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret (Standard Webhooks, whsec_...): shown in this answer only; "
        "your organisation's admins also see it on the webhooks page.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[WebhookOut]


class DeliveryOut(Schema):
    id: int
    event_type: str = Field(examples=["credential.issued"])
    event_id: UUID = Field(description="The webhook-id header: the same on every attempt and on a resend.")
    state: str = Field(description="pending, delivered or failed (given up after 8 attempts).")
    attempts: int
    last_status: int | None = Field(description="The HTTP status of the last answer, if any.")
    error: str = Field(description="What went wrong at the last attempt (empty if nothing did).")
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None


class DeliveryPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[DeliveryOut]
