"""The demo tenant: Landkreis Cochem-Zell with its Verbandsgemeinden, two citizens, two clients.

Idempotent: running it again changes nothing and prints the same credentials. Demo secrets are
derived from the server secret, so they are stable and never stored in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import (
    ACTIVE,
    KIND_TOTP,
    TOTP_LABEL,
    TOTP_SEALING_PURPOSE,
    has_active_totp,
)
from servicekonto.accounts.service import create_account
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.db.base import new_id
from servicekonto.db.models import Account, Administration, Client, LoginMeans
from servicekonto.security import totp
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import derive_key
from servicekonto.settings import Settings
from servicekonto.sim.demo_portal import CLIENT_ID as DEMO_PORTAL_ID
from servicekonto.sim.demo_portal import demo_client_secret
from servicekonto.staff.service import grant

#: Kreis and Verbandsgemeinden: slug, name, kind, parent, postal codes, letterhead address.
ADMINISTRATIONS: list[tuple[str, str, str, str | None, list[str], list[str]]] = [
    (
        "kv-cochem-zell",
        "Kreisverwaltung Cochem-Zell",
        "kreis",
        None,
        [],
        ["Endertplatz 2", "56812 Cochem"],
    ),
    (
        "vg-cochem",
        "Verbandsgemeinde Cochem",
        "verbandsgemeinde",
        "kv-cochem-zell",
        ["56812", "56814", "56818", "56821", "56826", "56829", "56253", "56254", "56754"],
        ["Ravenéstraße 61", "56812 Cochem"],
    ),
    (
        "vg-kaisersesch",
        "Verbandsgemeinde Kaisersesch",
        "verbandsgemeinde",
        "kv-cochem-zell",
        ["56759", "56761", "56828"],
        ["Bahnhofstraße 47", "56759 Kaisersesch"],
    ),
    (
        "vg-ulmen",
        "Verbandsgemeinde Ulmen",
        "verbandsgemeinde",
        "kv-cochem-zell",
        ["56766", "56767", "56823", "56825", "56826"],
        ["Marktplatz 1", "56766 Ulmen"],
    ),
    (
        "vg-zell",
        "Verbandsgemeinde Zell (Mosel)",
        "verbandsgemeinde",
        "kv-cochem-zell",
        ["56856", "56858", "56859", "56860", "56861", "56862", "56841", "56865", "56867"],
        ["Corray 1", "56856 Zell (Mosel)"],
    ),
]

#: The print shop's person for the dispatch view (/staff/letters).
DISPATCHER: dict[str, Any] = {
    "username": "druckerei@demo.servicekonto.example",
    "password": "Briefversand-Cochem-2026",
    "roles": ["letter_dispatch"],
    #: The administrations whose letters it prints: all of the demo's.
    "administrations": [a[0] for a in ADMINISTRATIONS],
}

CITIZENS: list[dict[str, Any]] = [
    {
        "username": "anna.schmitz@demo.servicekonto.example",
        "password": "Moselblick-Cochem-2026",
        "level": TrustLevel.SUBSTANTIAL,
        "source": "register",
        "attributes": {
            "given_name": "Anna Maria",
            "family_name": "Schmitz",
            "birthdate": "1984-03-12",
            "birth_family_name": "Schmitz",
            "place_of_birth": "Cochem",
            "nationalities": ["DE"],
            "address": {
                "street_address": "Moselpromenade 12",
                "postal_code": "56812",
                "locality": "Cochem",
                "country": "DE",
            },
        },
    },
    {
        "username": "jonas.mueller@demo.servicekonto.example",
        "password": "Reichsburg-Kaisersesch-26",
        "level": TrustLevel.BASIC,
        "source": "user",
        "attributes": {
            "given_name": "Jonas",
            "family_name": "Müller",
            "birthdate": "1991-11-02",
            "address": {
                "street_address": "Bahnhofstraße 3",
                "postal_code": "56759",
                "locality": "Kaisersesch",
                "country": "DE",
            },
        },
    },
]


def _clients(settings: Settings) -> list[tuple[str, ClientCreate]]:
    issuer = settings.issuer
    return [
        (
            DEMO_PORTAL_ID,
            ClientCreate(
                name="Demo-Portal Landkreis Cochem-Zell",
                redirect_uris=[f"{issuer}/demo-portal/callback"],
                post_logout_redirect_uris=[f"{issuer}/demo-portal"],
                grant_types=["authorization_code", "refresh_token"],
                scopes=["openid", "profile", "email", "address", "offline_access"],
                sector="portal.cochem-zell.example",
                backchannel_logout_uri=f"{issuer}/demo-portal/backchannel-logout",
            ),
        ),
        (
            "demo-druckerei",
            ClientCreate(
                name="Demo-Druckerei (Briefversand)",
                grant_types=["client_credentials"],
                scopes=["letters:dispatch"],
                sector="druckerei.cochem-zell.example",
            ),
        ),
        (
            "demo-fachverfahren",
            ClientCreate(
                name="Demo-Fachverfahren Gewerbeanmeldung",
                redirect_uris=["http://127.0.0.1:9100/callback"],
                post_logout_redirect_uris=["http://127.0.0.1:9100/"],
                grant_types=["authorization_code", "refresh_token", "client_credentials"],
                scopes=["openid", "profile", "email", "address", "offline_access", "api:read"],
                sector="gewerbe.cochem-zell.example",
            ),
        ),
    ]


def _staff_totp(db: Session, *, settings: Settings, account_id: str, now: datetime) -> str:
    """The print shop's authenticator app (staff need a bound second factor, issue 15 item 5);
    its secret is derived from the server secret, so every run prints the same one (base32).

    The operator sets it up, so it is bound (`bound_at`) from the start: an unbound app does not
    open the dispatch view. A demo database seeded before that holds it unbound; binding it here
    keeps re-running the seed enough. Only the app with the derived secret is bound, never one
    someone else enrolled with the (published) password.
    """
    secret = derive_key(settings.secret_key, "demo-staff-totp", length=totp.SECRET_BYTES)
    sealer = Sealer(settings.secret_key, TOTP_SEALING_PURPOSE)
    if not has_active_totp(db, account_id):
        means_id = new_id()
        db.add(
            LoginMeans(
                id=means_id,
                account_id=account_id,
                kind=KIND_TOTP,
                state=ACTIVE,
                label=TOTP_LABEL,
                secret_sealed=sealer.seal(secret, aad=means_id),
                last_used_step=0,
                created_at=now,
                confirmed_at=now,
                bound_at=now,
            )
        )
        db.flush()
    for means in db.scalars(
        select(LoginMeans).where(
            LoginMeans.account_id == account_id,
            LoginMeans.kind == KIND_TOTP,
            LoginMeans.state == ACTIVE,
            LoginMeans.bound_at.is_(None),
        )
    ):
        if means.secret_sealed and sealer.open(means.secret_sealed, aad=means.id) == secret:
            means.bound_at = now
    db.flush()
    return totp.to_base32(secret)


def follow_issuer(db: Session, *, settings: Settings) -> bool:
    """Point the demo portal's registered addresses at the issuer this server runs under.

    The demo portal is served by ServiceKonto itself, so in dev mode `serve --port P` moves it
    too (issue 10 #11); `servicekonto demo`, run before, registered it for the issuer it knew.
    Its sector is fixed, so the subjects it knows stay the same. True when something changed.
    """
    row = db.get(Client, DEMO_PORTAL_ID)
    if row is None:  # no demo tenant seeded: nothing to follow
        return False
    spec = dict(_clients(settings))[DEMO_PORTAL_ID]
    wanted = (spec.redirect_uris, spec.post_logout_redirect_uris, spec.backchannel_logout_uri)
    if (row.redirect_uris, row.post_logout_redirect_uris, row.backchannel_logout_uri) == wanted:
        return False
    row.redirect_uris, row.post_logout_redirect_uris, row.backchannel_logout_uri = wanted
    return True


def seed(
    db: Session, *, settings: Settings, hashing: PasswordHashing, now: datetime
) -> dict[str, Any]:
    ids: dict[str, str] = {}
    for slug, name, kind, parent, postal_codes, address_lines in ADMINISTRATIONS:
        row = db.scalar(select(Administration).where(Administration.slug == slug))
        if row is None:
            row = Administration(
                slug=slug,
                name=name,
                kind=kind,
                parent_id=ids.get(parent or ""),
                postal_codes=postal_codes,
                address_lines=address_lines,
            )
            db.add(row)
            db.flush()
        ids[slug] = row.id
    accounts = []
    for citizen in CITIZENS:
        if db.scalar(select(Account.id).where(Account.email == citizen["username"])) is None:
            create_account(
                db,
                hashing=hashing,
                now=now,
                email=citizen["username"],
                password=citizen["password"],
                attributes=citizen["attributes"],
                level=citizen["level"],
                source=citizen["source"],
                email_verified=True,
            )
        accounts.append(
            {
                "username": citizen["username"],
                "password": citizen["password"],
                "level": citizen["level"].label,
                "given_name": citizen["attributes"]["given_name"],
                "family_name": citizen["attributes"]["family_name"],
            }
        )
    staff = db.scalar(select(Account).where(Account.email == DISPATCHER["username"]))
    if staff is None:
        staff = create_account(
            db,
            hashing=hashing,
            now=now,
            email=str(DISPATCHER["username"]),
            password=str(DISPATCHER["password"]),
            attributes={},
            email_verified=True,
        )
    for slug in DISPATCHER["administrations"]:
        for role in DISPATCHER["roles"]:
            grant(db, account_id=staff.id, administration_slug=slug, role=role)
    totp_secret = _staff_totp(db, settings=settings, account_id=staff.id, now=now)
    clients = []
    for client_id, spec in _clients(settings):
        secret = demo_client_secret(settings.secret_key, client_id)
        if db.get(Client, client_id) is None:
            create_client(
                db,
                spec=spec,
                now=now,
                client_id=client_id,
                client_secret=secret,
                allow_internal_targets=settings.dev_mode,
            )
        clients.append(
            {
                "client_id": client_id,
                "client_secret": secret,
                "name": spec.name,
                "redirect_uris": spec.redirect_uris,
                "post_logout_redirect_uris": spec.post_logout_redirect_uris,
                "grant_types": spec.grant_types,
                "scopes": spec.scopes,
                "sector": spec.sector,
            }
        )
    return {
        "administrations": [a[1] for a in ADMINISTRATIONS],
        "accounts": accounts,
        "staff": [
            {
                **{k: DISPATCHER[k] for k in ("username", "password", "roles", "administrations")},
                "totp_secret": totp_secret,
            }
        ],
        "clients": clients,
    }
