"""``carnet demo``: the credential core at work, from a key to a verified badge baked in an image."""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from carnet.credentials import Ed25519Key, Resolver, baking, model, sign, sign_jwt, status, verify

_BADGE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240" role="img"
 aria-label="Travail d'équipe">
  <circle cx="120" cy="120" r="110" fill="#0b5394"/>
  <circle cx="120" cy="120" r="92" fill="none" stroke="#ffffff" stroke-width="6"/>
  <text x="120" y="112" font-family="sans-serif" font-size="26" font-weight="bold" fill="#ffffff"
   text-anchor="middle">Travail</text>
  <text x="120" y="144" font-family="sans-serif" font-size="26" font-weight="bold" fill="#ffffff"
   text-anchor="middle">d'équipe</text>
</svg>
"""


def _badge_png() -> bytes:
    import png

    size = 96
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            inside = (x - size / 2) ** 2 + (y - size / 2) ** 2 <= (size / 2 - 2) ** 2
            row.extend((11, 83, 148, 255) if inside else (0, 0, 0, 0))
        rows.append(row)
    out = io.BytesIO()
    png.Writer(size, size, greyscale=False, alpha=True).write(out, rows)
    return out.getvalue()


def sample_credential(
    issuer_id: str, *, status_list_url: str | None = None, index: int = 0
) -> dict[str, Any]:
    """A realistic micro-credential: teamwork learned coaching a youth hockey team."""
    now = datetime.now(UTC).replace(microsecond=0)
    issuer = model.profile(
        issuer_id,
        "Carrefour jeunesse-emploi de l'Outaouais",
        url="https://cje-outaouais.example.org",
        email="reconnaissance@cje-outaouais.example.org",
    )
    teamwork = model.achievement(
        "https://carnet.example.org/microattestations/travail-equipe/v1",
        "Travail d'équipe",
        "Contribue à l'atteinte d'objectifs communs en coopérant, en partageant l'information et en "
        "soutenant les autres membres d'une équipe.",
        model.criteria(
            "La personne décrit au moins deux situations réelles où elle a coopéré pour atteindre un objectif "
            "commun, et deux personnes qui l'ont vue à l'œuvre confirment ce qu'elle a fait."
        ),
        achievement_type="MicroCredential",
        alignments=[
            model.alignment(
                "Collaboration",
                "https://carnet.example.org/referentiels/competences-generiques/COL",
                target_code="COL",
                target_framework="Compétences génériques Carnet",
                target_type="ceasn:Competency",
            )
        ],
        image_url="https://carnet.example.org/images/travail-equipe.svg",
        tags=["travail d'équipe", "compétences génériques", "bénévolat", "sport"],
        creator=issuer,
        in_language="fr-CA",
    )
    subject = model.achievement_subject(
        teamwork, identifiers=[model.identity_object("alex.tremblay@example.org", salt="demo-salt")]
    )
    credential_status = None
    if status_list_url:
        credential_status = status.status_entry(status_list_url, index, "revocation")
    return model.open_badge_credential(
        issuer=issuer,
        subject=subject,
        name="Travail d'équipe — entraîneur bénévole de hockey mineur",
        valid_from=now,
        valid_until=now + timedelta(days=5 * 365),
        evidence_=[
            model.evidence(
                narrative="Entraîneur adjoint bénévole d'une équipe de hockey M13 pendant trois saisons : "
                "planification des pratiques avec l'entraîneur-chef, accueil des nouveaux joueurs, "
                "médiation entre parents.",
                name="Entraîneur bénévole, hockey mineur",
            )
        ],
        credential_status=credential_status,
    )


def run_demo(out: Path, *, language: str = "fr") -> int:
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda fr, en: print(en)) if language == "en" else (lambda fr, en: print(fr))

    key = Ed25519Key.generate()
    (out / "public-key.json").write_text(json.dumps(key.to_multikey(), indent=2))
    say(f"1. Clé Ed25519 créée : {key.controller}", f"1. Ed25519 key made: {key.controller}")

    list_url = "https://carnet.example.org/status/1"
    status_list = status.StatusList()
    credential = sample_credential(key.controller, status_list_url=list_url, index=42)
    signed = sign(credential, key)
    (out / "credential.json").write_text(json.dumps(signed, indent=2, ensure_ascii=False))
    token = sign_jwt(credential, key)
    (out / "credential.jwt").write_text(token + "\n")
    say(
        "2. Microattestation signée (eddsa-rdfc-2022) : credential.json, et en VC-JWT : credential.jwt",
        "2. Micro-credential signed (eddsa-rdfc-2022): credential.json, and as a VC-JWT: credential.jwt",
    )

    list_credential = sign(
        status.status_list_credential(
            list_url, key.controller, status_list, "revocation", valid_from=datetime.now(UTC)
        ),
        key,
    )
    resolver = Resolver({list_url: list_credential})
    report = verify(signed, resolver=resolver)
    say("3. Vérification :", "3. Verification:")
    print(report.to_text(language))

    svg = baking.bake(_BADGE_SVG.encode("utf-8"), signed)
    (out / "badge.svg").write_bytes(svg)
    png_bytes = baking.bake(_badge_png(), signed)
    (out / "badge.png").write_bytes(png_bytes)
    again = verify(png_bytes, resolver=resolver)
    say(
        f"4. Badge cuit dans badge.svg et badge.png; vérifié depuis l'image PNG : {again.summary('fr')}",
        f"4. Badge baked into badge.svg and badge.png; verified from the PNG image: {again.summary('en')}",
    )

    status_list.set(42, True)
    revoked_list = sign(
        status.status_list_credential(
            list_url, key.controller, status_list, "revocation", valid_from=datetime.now(UTC)
        ),
        key,
    )
    (out / "status-list.json").write_text(json.dumps(revoked_list, indent=2))
    revoked = verify(signed, resolver=Resolver({list_url: revoked_list}))
    check = revoked.check("status")
    say(
        f"5. Après révocation : {revoked.summary('fr')} {check.message('fr') if check else ''}",
        f"5. After revocation: {revoked.summary('en')} {check.message('en') if check else ''}",
    )
    command = os.path.relpath(sys.argv[0]) if os.path.sep in sys.argv[0] else "carnet"
    say(
        f"Fichiers dans {out}/ — essayez : {command} verify {out}/badge.png\n"
        f"  et avec la liste de révocation : {command} verify --document {out}/status-list.json {out}/badge.png",
        f"Files in {out}/ — try: {command} verify {out}/badge.png\n"
        f"  and with the revocation list: {command} verify --document {out}/status-list.json {out}/badge.png",
    )
    return 0 if report.valid and again.valid and not revoked.valid else 1
