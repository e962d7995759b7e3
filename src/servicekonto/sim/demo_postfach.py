"""The demo Fachverfahren's Postfach traffic (issue 13 item 7): Anna's Gewerbeanmeldung with
its status updates (SUBMITTED → RECEIVED → PROCESSING → COMPLETED) and the Bescheid as a
message with a PDF attachment, readable at level `substantial` (so Anna, signed in with her
password, steps up to open it).

The sender is the demo client `demo-fachverfahren` (already seeded for the code flow); the seed
gives it `postfach` and `postfach:deliver`, and Anna has signed in there and consented to
`postfach`: her pairwise `sub` at that client is stored as a sign-in stores it. Everything goes
through the same services as the deposit API. Idempotent: the Bescheid carries an
Idempotency-Key, the status updates are added only while the application has none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.blobs.stores import open_store
from servicekonto.clients.subjects import remember_subject
from servicekonto.consent.service import find_consent, grant
from servicekonto.db.models import Account, ApplicationStatus, Client, PostfachMessage
from servicekonto.oidc.pairwise import SubjectIds
from servicekonto.postfach import deposit, status
from servicekonto.postfach.errors import IdempotencyKeyReused
from servicekonto.postfach.schemas import DepositRequest, StatusUpdateRequest
from servicekonto.settings import Settings
from servicekonto.sim.demo_documents import sample_pdf

CLIENT_ID = "demo-fachverfahren"
RECIPIENT = "anna.schmitz@demo.servicekonto.example"
APPLICATION_ID = "c0c4e11e-6e3a-4b8e-9d2f-2026a0000042"
IDEMPOTENCY_KEY = "demo-gewerbeanmeldung-bescheid"
SERVICE = "Gewerbeanmeldung"
SENDER = "Verbandsgemeinde Cochem, Ordnungsamt"
#: (status, details, how long before the seed's now)
STEPS: list[tuple[str, str | None, timedelta]] = [
    ("SUBMITTED", "Antrag eingereicht", timedelta(days=3)),
    ("RECEIVED", "Antrag eingegangen", timedelta(days=2, hours=20)),
    ("PROCESSING", "In Bearbeitung", timedelta(days=1)),
    ("COMPLETED", "Bescheid im Postfach", timedelta(0)),
]


def bescheid_pdf() -> bytes:
    return sample_pdf(
        "Bestätigung der Gewerbeanmeldung",
        [
            ("Aktenzeichen", "GA-2026-0042"),
            ("Inhaberin", "Anna Maria Schmitz"),
            ("Betriebsstätte", "Moselpromenade 12, 56812 Cochem"),
            ("Tätigkeit", "Weinhandel und Weinprobe"),
            ("Beginn", "01.12.2026"),
            ("Behörde", SENDER),
        ],
    )


def seed_postfach(db: Session, *, settings: Settings, now: datetime) -> dict[str, Any]:
    client = db.get(Client, CLIENT_ID)
    account_id = db.scalar(select(Account.id).where(Account.email == RECIPIENT))
    assert client is not None and account_id is not None, "seeded after clients and citizens"
    sub = SubjectIds(settings.secret_key).subject(
        account_id=account_id, sector=client.sector, subject_type=client.subject_type
    )
    remember_subject(db, account_id=account_id, client_id=CLIENT_ID, subject=sub)
    consent = find_consent(db, account_id=account_id, client_id=CLIENT_ID)
    if consent is None or "postfach" not in consent.scopes:
        grant(db, account_id=account_id, client_id=CLIENT_ID, scopes={"openid", "postfach"},
              claims=set(), now=now)
    recipient = {"sub": sub}
    if db.scalar(select(ApplicationStatus.id).where(
        ApplicationStatus.client_id == CLIENT_ID,
        ApplicationStatus.application_id == APPLICATION_ID,
    ).limit(1)) is None:
        for step, details, before in STEPS[:-1]:
            status.add_status(db, client_id=CLIENT_ID, request=_status(recipient, step, details),
                              now=now - before)
    message_id = _bescheid(db, settings=settings, recipient=recipient, now=now - timedelta(hours=1))
    if db.scalar(select(ApplicationStatus.id).where(
        ApplicationStatus.client_id == CLIENT_ID,
        ApplicationStatus.application_id == APPLICATION_ID,
        ApplicationStatus.status == "COMPLETED",
    )) is None:
        step, details, _ = STEPS[-1]
        status.add_status(db, client_id=CLIENT_ID, request=_status(recipient, step, details),
                          now=now)
    return {"client_id": CLIENT_ID, "recipient": RECIPIENT, "sub": sub,
            "application_id": APPLICATION_ID, "message_id": message_id}


def _status(recipient: dict[str, str], step: str, details: str | None) -> StatusUpdateRequest:
    return StatusUpdateRequest.model_validate({
        "recipient": recipient, "application_id": APPLICATION_ID, "status": step,
        "public_service_name": SERVICE, "sender_name": SENDER, "status_details": details,
        "reference": "GA-2026-0042",
    })


def _bescheid(db: Session, *, settings: Settings, recipient: dict[str, str], now: datetime
              ) -> str:
    import base64
    import hashlib

    pdf = bescheid_pdf()
    request = DepositRequest.model_validate({
        "recipient": recipient,
        "title": "Bestätigung Ihrer Gewerbeanmeldung",
        "content": (
            "Guten Tag Frau Schmitz,\n\nIhre Gewerbeanmeldung ist vollständig und wurde "
            "eingetragen. Die Bestätigung finden Sie im Anhang.\n\nMit freundlichen Grüßen\n"
            "Ihr Ordnungsamt der Verbandsgemeinde Cochem"
        ),
        "sender": SENDER,
        "service": SERVICE,
        "application_id": APPLICATION_ID,
        "reference": "GA-2026-0042",
        "reply_to": "ordnungsamt@vg-cochem.example",
        "min_level": "substantial",
        "attachments": [{
            "filename": "Gewerbeanmeldung-Bestaetigung.pdf",
            "content_type": "application/pdf",
            "content": base64.b64encode(pdf).decode("ascii"),
            "sha512": hashlib.sha512(pdf).hexdigest(),
        }],
    })
    try:
        return deposit.deposit(
            db, client_id=CLIENT_ID, request=request, idempotency_key=IDEMPOTENCY_KEY,
            blobs=open_store(settings, db), scanner=None, scan_required=False,
            issuer=settings.issuer, now=now,
        ).message_id
    except IdempotencyKeyReused:  # an older demo's Bescheid (other PDF bytes): keep it
        found = db.scalar(select(PostfachMessage.id).where(
            PostfachMessage.client_id == CLIENT_ID,
            PostfachMessage.application_id == APPLICATION_ID,
        ))
        assert found is not None
        return found
