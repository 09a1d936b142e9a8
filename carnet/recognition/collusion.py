"""Warnings for the assessors of a request: signs that an endorsement may not come from an
independent person. Each is a reason to look closer, never a proof, and never shown to the learner.

- own address: the endorser's email is the learner's, or a variant of it (case, ``+tag``, Gmail's
  dots), or another address the learner confirmed on their account;
- same browser / same network: the endorsement came from the browser (cookie) or the network address
  the learner used when inviting or submitting (keyed hashes, see ``fingerprints``);
- busy endorser: the same endorser endorsed the requests of many different people in a few days
  (``ENDORSEMENT_BUSY_REQUESTS`` people within ``ENDORSEMENT_BUSY_DAYS`` days);
- ring: the endorser and the learner endorse each other (A → B → A), or through one more person
  (A → B → C → A), within ``ENDORSEMENT_RING_DAYS`` days. An endorser is a learner when they endorsed
  signed in or with an address one account confirmed;
- conflict of interest: the endorser is a member (admin, assessor…) of the organisation that assesses
  the request. Their endorsement counts as "organisation staff", the strongest verification; it says
  who they are, not that they are independent of the decision.

Busy endorsers and rings count only requests made to the same organisation as the request being
assessed (an assessor learns nothing of other organisations' requests), and an address counts only
when it was proven (answered from the emailed link, or with a confirmed address while signed in): an
address typed by whoever holds a copied link is not attributed to anybody."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.accounts.models import User
from carnet.recognition.fingerprints import normalise_email
from carnet.recognition.models import Endorsement, RecognitionRequest, Verification

OWN_ADDRESS, SAME_DEVICE, SAME_NETWORK, BUSY, RING, CONFLICT = (
    "own_address",
    "same_device",
    "same_network",
    "busy",
    "ring",
    "conflict",
)


@dataclass(frozen=True)
class EndorsementWarning:
    kind: str
    endorsement: Endorsement
    message: str


def addresses_of(users: Iterable[Any]) -> dict[str, int]:
    """Each normalised address of ``users`` (their sign-in address and those they confirmed) → the
    user's id."""
    from allauth.account.models import EmailAddress

    users = list(users)
    found = {normalise_email(user.email): user.pk for user in users}
    confirmed = EmailAddress.objects.filter(user__in=[user.pk for user in users], verified=True)
    for email, user_id in confirmed.values_list("email", "user_id"):
        found[normalise_email(email)] = user_id
    found.pop("", None)
    return found


def _owners_of(addresses: set[str]) -> dict[str, int]:
    """The accounts whose sign-in or confirmed address is one of ``addresses`` (normalised)."""
    from allauth.account.models import EmailAddress

    if not addresses:
        return {}
    query = Q(pk__in=[])
    for address in addresses:
        local, _at, domain = address.partition("@")
        # The account's address may carry a +tag (or, at Gmail, dots) the normalised address lost.
        query |= Q(email__iexact=address) | Q(email__istartswith=f"{local}+", email__iendswith=f"@{domain}")
        if domain == "gmail.com":  # dots too: fetch those that begin alike, then compare normalised
            # (a Gmail address with a dot in its first three letters is missed: the price of not
            # reading every account at Gmail).
            for gmail in ("gmail.com", "googlemail.com"):
                query |= Q(email__istartswith=local[:3], email__iendswith=f"@{gmail}")
    users = User.objects.filter(query).values_list("email", "pk")
    confirmed = EmailAddress.objects.filter(query, verified=True).values_list("email", "user_id")
    owners: dict[str, int] = {}
    for email, user_id in [*users, *confirmed]:
        address = normalise_email(email)
        if address in addresses:
            owners.setdefault(address, user_id)
    return owners


def _proven() -> Q:
    """Endorsements whose address is the endorser's: only those are counted by address. Anybody
    with a link may type somebody else's address, which must not drag that person into a warning."""
    return ~Q(verification=Verification.LINK) | Q(endorser_account__isnull=False)


def _is_proven(endorsement: Endorsement) -> bool:
    return endorsement.verification != Verification.LINK or endorsement.endorser_account_id is not None


def _identities(endorsements: list[Endorsement]) -> dict[int, int]:
    """Endorsement id → the account of its endorser, when one is known."""
    owners = _owners_of({e.endorser_address for e in endorsements if e.endorser_address and _is_proven(e)})
    found = {}
    for endorsement in endorsements:
        account = endorsement.endorser_account_id
        if account is None and _is_proven(endorsement):
            account = owners.get(endorsement.endorser_address)
        if account is not None:
            found[endorsement.pk] = account
    return found


def _endorsed_by(user_ids: set[int], *, since: Any, organisation: Any) -> dict[int, set[int]]:
    """Whose requests to ``organisation`` each of ``user_ids`` endorsed since ``since`` (user id →
    learner ids). Other organisations' requests stay theirs."""
    if not user_ids:
        return {}
    addresses = addresses_of(User.objects.filter(pk__in=user_ids))
    rows = (
        Endorsement.objects.filter(created_at__gte=since, invitation__request__organisation=organisation)
        .filter(Q(endorser_account__in=user_ids) | (Q(endorser_address__in=list(addresses)) & _proven()))
        .values_list("endorser_account_id", "endorser_address", "invitation__request__learner_id")
    )
    found: dict[int, set[int]] = defaultdict(set)
    for account, address, learner in rows:
        endorser = account if account in user_ids else addresses.get(address)
        if endorser is not None and endorser != learner:
            found[endorser].add(learner)
    return found


def _busy_counts(
    endorsements: list[Endorsement], identities: dict[int, int], *, organisation: Any
) -> dict[int, int]:
    """Endorsement id → how many different people's requests to ``organisation`` the same endorser
    endorsed around it (one query for all of them)."""
    days = timedelta(days=settings.ENDORSEMENT_BUSY_DAYS)
    addresses = {e.endorser_address for e in endorsements if e.endorser_address and _is_proven(e)}
    accounts = set(identities.values())
    if not endorsements or not (addresses or accounts):
        return {}
    rows = list(
        Endorsement.objects.filter(invitation__request__organisation=organisation)
        .filter((Q(endorser_address__in=addresses) & _proven()) | Q(endorser_account__in=accounts))
        .filter(
            created_at__range=(
                min(e.created_at for e in endorsements) - days,
                max(e.created_at for e in endorsements) + days,
            )
        )
        .values_list(
            "endorser_address", "endorser_account_id", "created_at", "invitation__request__learner_id"
        )
    )
    counts = {}
    for endorsement in endorsements:
        address = endorsement.endorser_address if _is_proven(endorsement) else ""
        account = identities.get(endorsement.pk)
        learners = {
            learner
            for other_address, other_account, created_at, learner in rows
            if abs(created_at - endorsement.created_at) <= days
            and ((address and other_address == address) or (account is not None and other_account == account))
        }
        counts[endorsement.pk] = len(learners)
    return counts


def _roles_in(organisation: Any, user_ids: set[int]) -> dict[int, str]:
    """The role in ``organisation`` of each of ``user_ids`` who is one of its members (user id → label)."""
    from carnet.organisations.models import Membership

    rows = Membership.objects.filter(organisation=organisation, user__in=user_ids)
    return {membership.user_id: str(membership.get_role_display()) for membership in rows}


def warnings_for(request: RecognitionRequest, endorsements: list[Endorsement]) -> list[EndorsementWarning]:
    """The warnings about ``endorsements`` (those of ``request``), in the order of the endorsements."""
    learner = request.learner
    own = addresses_of([learner])
    identities = _identities(endorsements)
    since = (request.submitted_at or timezone.now()) - timedelta(days=settings.ENDORSEMENT_RING_DAYS)
    organisation = request.organisation_id
    endorsed_by_learner = _endorsed_by({learner.pk}, since=since, organisation=organisation).get(
        learner.pk, set()
    )
    second_step = _endorsed_by(endorsed_by_learner - {learner.pk}, since=since, organisation=organisation)
    busy_counts = _busy_counts(endorsements, identities, organisation=organisation)
    staff = _roles_in(organisation, set(identities.values()) - {learner.pk})
    devices = set(request.learner_signals.get("device", []))
    networks = set(request.learner_signals.get("ip", []))
    warnings = []
    for endorsement in endorsements:
        account = identities.get(endorsement.pk)

        def warn(kind: str, message: str, endorsement: Endorsement = endorsement) -> None:
            warnings.append(EndorsementWarning(kind, endorsement, message))

        if normalise_email(endorsement.endorser_email) in own or account == learner.pk:
            warn(OWN_ADDRESS, _("Son adresse courriel est celle de la personne qui demande, ou une variante de celle-ci : c'est peut-être un auto-endossement."))  # fmt: skip
        if endorsement.device_hash and endorsement.device_hash in devices:
            warn(SAME_DEVICE, _("Envoyé depuis le même navigateur que celui de la personne qui demande."))
        if endorsement.ip_hash and endorsement.ip_hash in networks:
            warn(SAME_NETWORK, _("Envoyé depuis la même adresse réseau que la personne qui demande (cela arrive aussi dans un même lieu de travail ou un même foyer)."))  # fmt: skip
        busy = busy_counts.get(endorsement.pk, 0)
        if busy >= settings.ENDORSEMENT_BUSY_REQUESTS:
            warn(BUSY, _("Cette personne a endossé les demandes de %(count)s personnes différentes en %(days)s jours environ.") % {"count": busy, "days": settings.ENDORSEMENT_BUSY_DAYS})  # fmt: skip
        if account is None or account == learner.pk:
            continue
        if account in staff:
            warn(CONFLICT, _("Cette personne fait partie de l'organisme qui évalue la demande (%(role)s) : son endossement n'est pas indépendant de la décision. Conflit d'intérêts possible.") % {"role": staff[account]})  # fmt: skip
        if account in endorsed_by_learner:
            warn(RING, _("Cette personne et la personne qui demande s'endossent l'une l'autre."))
        elif any(account in second_step.get(middle, set()) for middle in endorsed_by_learner - {account}):
            warn(RING, _("Cette personne fait partie d'un cercle de trois personnes qui s'endossent les unes les autres."))  # fmt: skip
    return warnings
