"""The emails of issuing, to the holder of a credential: in their language first, then in the other
one (people without an account have no known language, and the message must reach them anyway)."""

from __future__ import annotations

from carnet.inbox.services import notify, site_path
from carnet.issuing.identity import absolute
from carnet.issuing.models import IssuedCredential
from carnet.site.mail import languages_for, send_templated


def credential_changed(credential: IssuedCredential, what: str) -> None:
    """``what``: issued, suspended, active (reinstated) or revoked. By email, and in the inbox of a
    holder who has an account."""
    version = credential.micro_credential_version
    notify(credential.recipient, f"credential.{what}", link=site_path("issued:mine", credential.uuid),
           title_fr=version.name_fr, title_en=version.name_en or version.name_fr)  # fmt: skip
    preferred = getattr(credential.recipient, "preferred_language", None)
    link = absolute(credential.micro_credential_version.micro_credential.get_absolute_url())
    send_templated(
        "issuing/email/credential",
        credential.recipient_email,
        {"credential": credential, "what": what, "link": link},
        languages=languages_for(preferred),
    )
