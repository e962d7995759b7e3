"""The demo tenant: Landkreis Cochem-Zell with its Verbandsgemeinden, two citizens, the print
shop and a Registrierungsstelle per administration, three clients, and company accounts: two
applications waiting for review and an activated company with two members (issue 12 item 8).

Idempotent: running it again changes nothing and prints the same credentials. What exists is
left as it is (a demo application someone decided meanwhile stays decided); only the seeded
settings are put back (the demo portal's addresses and scopes, four-eyes at VG Zell). Demo
secrets are derived from the server secret, so they are stable and never stored in clear.

"Moselweingut Beispiel GmbH" is not seeded: the README's journey registers it.
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
    TOTP_SEALING_PURPOSE,
    has_active_totp,
    set_up_bound_totp,
)
from servicekonto.accounts.service import create_account
from servicekonto.blobs.stores import open_store
from servicekonto.catalogue.schemas import ServiceCreate
from servicekonto.catalogue.service import add_service
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.companies import review
from servicekonto.companies import service as companies
from servicekonto.companies.members import ADMIN, MEMBER, add_member, set_client_permissions
from servicekonto.companies.schemas import OrganisationForm
from servicekonto.companies.staffing import add_staff
from servicekonto.db.models import (
    Account,
    Administration,
    Client,
    LoginMeans,
    Organisation,
    OrganisationMember,
)
from servicekonto.security import totp
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import derive_key
from servicekonto.settings import Settings
from servicekonto.sim.demo_documents import sample_pdf
from servicekonto.sim.demo_fachverfahren import ensure_webhook
from servicekonto.sim.demo_portal import CLIENT_ID as DEMO_PORTAL_ID
from servicekonto.sim.demo_portal import demo_client_secret
from servicekonto.sim.demo_postfach import seed_postfach
from servicekonto.staff.service import (
    ADMINISTRATION_ADMIN,
    LETTER_DISPATCH,
    REGISTRATION_OFFICER,
    REGISTRATION_SUPERVISOR,
)
from servicekonto.uploads.check import IncomingFile, check_batch
from servicekonto.uploads.scan import ScanStatus, scan_file, scanner_from_settings

#: Who the audit log names for what the seed does.
DEMO_ACTOR = "system:demo"

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

#: The online services the seeds name (issue 13 item 5): (name, path, minimum level) per
#: Verbandsgemeinde, and the Kreis's own. Links point at `.example` (no real portal is implied);
#: LeiKa keys are left empty: none of them was checked against the Leistungskatalog.
VG_SERVICES: list[tuple[str, str, str]] = [
    ("Hundeanmeldung", "hundeanmeldung", "substantial"),
    ("Hundeabmeldung", "hundeabmeldung", "low"),
    ("Plakatierung", "plakatierung", "low"),
    ("Eigentümerwechsel Grundstück", "eigentuemerwechsel-grundstueck", "substantial"),
    ("Melderegisterauskunft", "melderegisterauskunft", "low"),
    ("Gewerbeanmeldung", "gewerbeanmeldung", "substantial"),
]
KREIS_SERVICES: list[tuple[str, str, str]] = [
    ("Sperrmüll und Elektrogroßgeräte", "sperrmuell-elektrogrossgeraete", "low"),
]

#: The print shop's person for the dispatch view (/staff/letters).
DISPATCHER: dict[str, Any] = {
    "username": "druckerei@demo.servicekonto.example",
    "password": "Briefversand-Cochem-2026",
    "roles": [LETTER_DISPATCH],
    #: The administrations whose letters it prints: all of the demo's.
    "administrations": [a[0] for a in ADMINISTRATIONS],
}

#: Each administration's Registrierungsstelle: (slug, the name in the staff's addresses and
#: passwords). Per administration an officer (`registrierung.<name>@…`, reviews and decides)
#: and a lead (`leitung.<name>@…`): supervisor (suspends, closes), officer as well (the second
#: officer four-eyes needs) and administration admin (four-eyes switch).
_REGISTRATION_OFFICES: list[tuple[str, str]] = [
    ("kv-cochem-zell", "Kreis"),
    ("vg-cochem", "Cochem"),
    ("vg-kaisersesch", "Kaisersesch"),
    ("vg-ulmen", "Ulmen"),
    ("vg-zell", "Zell"),
]
REGISTRATION_STAFF: list[dict[str, Any]] = [
    entry
    for slug, name in _REGISTRATION_OFFICES
    for entry in (
        {
            "username": f"registrierung.{name.lower()}@demo.servicekonto.example",
            "password": f"Registrierung-{name}-2026",
            "roles": [REGISTRATION_OFFICER],
            "administrations": [slug],
        },
        {
            "username": f"leitung.{name.lower()}@demo.servicekonto.example",
            "password": f"Leitung-Registrierung-{name}-26",
            "roles": [REGISTRATION_SUPERVISOR, REGISTRATION_OFFICER, ADMINISTRATION_ADMIN],
            "administrations": [slug],
        },
    )
]
#: Administrations whose approvals need two different officers (VG Zell: the waiting bakery
#: application there shows it).
FOUR_EYES: list[str] = ["vg-zell"]

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


_ANNA = CITIZENS[0]["username"]
_JONAS = CITIZENS[1]["username"]
_KOBLENZ = "Amtsgericht Koblenz"

#: Applications waiting for the Registrierungsstelle (submitted): the applicant's username, the
#: registration form, and the founding documents (type, file name, PDF title, PDF rows).
PENDING_APPLICATIONS: list[dict[str, Any]] = [
    {
        "applicant": _ANNA,
        "form": {
            "name": "Bäckerei Zeller e. K.",
            "kind": "company",
            "legal_form": "ek",
            "register_type": "HRA",
            "register_number": "20815",
            "register_court": _KOBLENZ,
            "trade_authority": "Verbandsgemeindeverwaltung Zell (Mosel)",
            "trade_registered_on": "2019-04-01",
            "street": "Schloßstraße",
            "house_number": "3",
            "postal_code": "56856",
            "locality": "Zell (Mosel)",
        },
        "documents": [
            (
                "handelsregisterauszug",
                "Handelsregisterauszug HRA 20815.pdf",
                "Handelsregister A des Amtsgerichts Koblenz – Auszug",
                [
                    ("Nummer der Firma", "HRA 20815"),
                    ("Firma", "Bäckerei Zeller e. K."),
                    ("Sitz", "Zell (Mosel)"),
                    ("Geschäftsanschrift", "Schloßstraße 3, 56856 Zell (Mosel)"),
                    ("Inhaberin", "Schmitz, Anna Maria, Cochem"),
                    ("Rechtsform", "eingetragene Kauffrau"),
                ],
            ),
            (
                "gewerbeanmeldung",
                "Gewerbeanmeldung.pdf",
                "Gewerbeanmeldung – Empfangsbestätigung nach § 15 Abs. 1 GewO",
                [
                    ("Behörde", "Verbandsgemeindeverwaltung Zell (Mosel)"),
                    ("Angemeldet am", "01.04.2019"),
                    ("Betrieb", "Bäckerei Zeller e. K., Schloßstraße 3, 56856 Zell (Mosel)"),
                    ("Tätigkeit", "Herstellung und Verkauf von Backwaren"),
                ],
            ),
        ],
    },
    {
        "applicant": _JONAS,
        "form": {
            "name": "Sportverein Ulmen e. V.",
            "kind": "verein",
            "legal_form": "ev",
            "register_type": "VR",
            "register_number": "10427",
            "register_court": _KOBLENZ,
            "street": "Sportplatzweg",
            "house_number": "1",
            "postal_code": "56766",
            "locality": "Ulmen",
        },
        "documents": [
            (
                "vereinsregisterauszug",
                "Vereinsregisterauszug VR 10427.pdf",
                "Vereinsregister des Amtsgerichts Koblenz – Auszug",
                [
                    ("Registernummer", "VR 10427"),
                    ("Name", "Sportverein Ulmen e. V."),
                    ("Sitz", "Ulmen"),
                    ("Vorstand", "Müller, Jonas (1. Vorsitzender), Kaisersesch"),
                    ("Satzung vom", "14.03.1998"),
                ],
            ),
            (
                "satzung",
                "Satzung.pdf",
                "Satzung des Sportvereins Ulmen e. V.",
                [
                    ("§ 1 Name, Sitz", "Sportverein Ulmen e. V., Sitz in Ulmen"),
                    ("§ 2 Zweck", "Förderung des Sports (gemeinnützig)"),
                    ("§ 9 Vorstand", "Vorsitzende/r, Stellvertreter/in, Kassenwart/in"),
                ],
            ),
        ],
    },
]

#: The activated company: approved by VG Cochem's officer, activated by its applicant (its
#: first admin), with a member who may use it at the demo portal.
ACTIVATED_COMPANY: dict[str, Any] = {
    "applicant": _ANNA,
    "officer": "registrierung.cochem@demo.servicekonto.example",
    "form": {
        "name": "Weinhaus Cochem GmbH",
        "kind": "company",
        "legal_form": "gmbh",
        "register_type": "HRB",
        "register_number": "21034",
        "register_court": _KOBLENZ,
        "street": "Endertstraße",
        "house_number": "20",
        "postal_code": "56812",
        "locality": "Cochem",
    },
    "documents": [
        (
            "handelsregisterauszug",
            "Handelsregisterauszug HRB 21034.pdf",
            "Handelsregister B des Amtsgerichts Koblenz – Auszug",
            [
                ("Nummer der Firma", "HRB 21034"),
                ("Firma", "Weinhaus Cochem GmbH"),
                ("Sitz", "Cochem"),
                ("Geschäftsanschrift", "Endertstraße 20, 56812 Cochem"),
                ("Gegenstand", "Erzeugung und Vertrieb von Wein"),
                ("Geschäftsführerin", "Schmitz, Anna Maria, Cochem"),
            ],
        ),
    ],
    #: (username, role, clients the member may use the organisation at)
    "members": [(_JONAS, MEMBER, [DEMO_PORTAL_ID])],
    "approval_reason": "Handelsregisterauszug geprüft, Angaben stimmen überein.",
}


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
                # `organization`: the portal may ask who the person acts for (Befugnis);
                # `favorites`: it shows the services the person marked (issue 13 item 5).
                scopes=["openid", "profile", "email", "address", "offline_access",
                        "organization", "favorites"],
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
                # `postfach` (people consent to it) and `postfach:deliver` (its own token):
                # the demo Fachverfahren deposits Anna's Bescheid (issue 13, `demo_postfach`);
                # `safe:fetch`: it fetches the documents people share with it from their
                # Dokumentensafe, with its client-credentials token.
                scopes=["openid", "profile", "email", "address", "offline_access", "api:read",
                        "postfach", "postfach:deliver", "safe:fetch"],
                sector="gewerbe.cochem-zell.example",
            ),
        ),
    ]


def _totp_secret(settings: Settings, username: str) -> bytes:
    """A staff account's authenticator secret, derived from the server secret (the print
    shop's purpose string predates the others and stays, so its published setup still works)."""
    purpose = (
        "demo-staff-totp" if username == DISPATCHER["username"] else f"demo-staff-totp:{username}"
    )
    return derive_key(settings.secret_key, purpose, length=totp.SECRET_BYTES)


def _staff_totp(
    db: Session, *, settings: Settings, account_id: str, username: str, now: datetime
) -> str:
    """The staff member's authenticator app (staff need a bound second factor, issue 15 item 5);
    its secret is derived from the server secret, so every run prints the same one (base32).

    The operator sets it up, so it is bound (`bound_at`) from the start: an unbound app does not
    open the staff views. A demo database seeded before that holds it unbound; binding it here
    keeps re-running the seed enough. Only the app with the derived secret is bound, never one
    someone else enrolled with the (published) password.
    """
    secret = _totp_secret(settings, username)
    sealer = Sealer(settings.secret_key, TOTP_SEALING_PURPOSE)
    if not has_active_totp(db, account_id):
        set_up_bound_totp(db, account_id=account_id, sealer=sealer, now=now, secret=secret)
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


def follow_issuer(db: Session, *, settings: Settings, now: datetime) -> bool:
    """Point the demo portal's registered addresses and the demo Fachverfahren's webhook at the
    issuer this server runs under.

    Both are served by ServiceKonto itself, so in dev mode `serve --port P` moves them too
    (issue 10 #11); `servicekonto demo`, run before, registered them for the issuer it knew.
    The portal's sector is fixed, so the subjects it knows stay the same. True when something
    changed.
    """
    row = db.get(Client, DEMO_PORTAL_ID)
    if row is None:  # no demo tenant seeded: nothing to follow
        return False
    moved_hook = ensure_webhook(db, settings=settings, now=now)
    spec = dict(_clients(settings))[DEMO_PORTAL_ID]
    wanted = (spec.redirect_uris, spec.post_logout_redirect_uris, spec.backchannel_logout_uri)
    if (row.redirect_uris, row.post_logout_redirect_uris, row.backchannel_logout_uri) == wanted:
        return moved_hook
    row.redirect_uris, row.post_logout_redirect_uris, row.backchannel_logout_uri = wanted
    return True


def seed(
    db: Session, *, settings: Settings, hashing: PasswordHashing, now: datetime
) -> dict[str, Any]:
    _seed_administrations(db)
    accounts = _seed_citizens(db, hashing=hashing, now=now)
    staff = [
        _seed_staff(db, entry, settings=settings, hashing=hashing, now=now)
        for entry in (DISPATCHER, *REGISTRATION_STAFF)
    ]
    for slug in FOUR_EYES:
        review.set_four_eyes_as_operator(
            db, administration_slug=slug, enabled=True, now=now, actor=DEMO_ACTOR
        )
    clients = _seed_clients(db, settings=settings, now=now)
    organisations = [
        _seed_application(db, spec, settings=settings, now=now)
        for spec in PENDING_APPLICATIONS
    ]
    organisations.append(_seed_activated_company(db, settings=settings, now=now))
    # before the Bescheid: its "delivered" event goes to the receiver too
    ensure_webhook(db, settings=settings, now=now)
    postfach = seed_postfach(db, settings=settings, now=now)
    services = _seed_catalogue(db, now=now)
    return {
        "administrations": [a[1] for a in ADMINISTRATIONS],
        "accounts": accounts,
        "staff": staff,
        "four_eyes": list(FOUR_EYES),
        "clients": clients,
        "organizations": organisations,
        "postfach": postfach,
        "catalogue": services,
    }


def _seed_catalogue(db: Session, *, now: datetime) -> int:
    """The services of `VG_SERVICES` at every Verbandsgemeinde and `KREIS_SERVICES` at the
    Kreis; `add_service` updates an existing name, so a second run adds nothing."""
    count = 0
    for slug, _name, kind, *_rest in ADMINISTRATIONS:
        for name, path, level in KREIS_SERVICES if kind == "kreis" else VG_SERVICES:
            add_service(db, now=now, spec=ServiceCreate(
                administration=slug, name=name, url=f"https://{slug}.services.example/{path}",
                min_level=level,
            ))
            count += 1
    return count


def _seed_administrations(db: Session) -> None:
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


def _seed_citizens(db: Session, *, hashing: PasswordHashing, now: datetime) -> list[Any]:
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
    return accounts


def _seed_staff(
    db: Session, entry: dict[str, Any], *, settings: Settings, hashing: PasswordHashing,
    now: datetime,
) -> dict[str, Any]:
    """One staff account with its roles, through the same service as `servicekonto staff add`
    (audited; a role held already changes nothing). DESIGN §9's row: `administration` and
    `role` are the account's first (the print shop's administration is the Kreis, whose region
    its letters cover); `administrations` and `roles` list all it holds."""
    username = str(entry["username"])
    sealer = Sealer(settings.secret_key, TOTP_SEALING_PURPOSE)
    account_id = ""
    for slug in entry["administrations"]:
        for role in entry["roles"]:
            account_id = add_staff(
                db, email=username, administration_slug=slug, role=role, hashing=hashing,
                sealer=sealer, now=now, actor=DEMO_ACTOR, password=str(entry["password"]),
                totp_secret=_totp_secret(settings, username),
            ).account_id
    return {
        "username": username,
        "password": entry["password"],
        "administration": entry["administrations"][0],
        "role": entry["roles"][0],
        "administrations": entry["administrations"],
        "roles": entry["roles"],
        "totp_secret": _staff_totp(
            db, settings=settings, account_id=account_id, username=username, now=now
        ),
    }


def _seed_clients(db: Session, *, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    clients = []
    for client_id, spec in _clients(settings):
        secret = demo_client_secret(settings.secret_key, client_id)
        row = db.get(Client, client_id)
        if row is None:
            create_client(
                db,
                spec=spec,
                now=now,
                client_id=client_id,
                client_secret=secret,
                allow_internal_targets=settings.dev_mode,
            )
        elif missing := [scope for scope in spec.scopes if scope not in row.scopes]:
            # A demo database seeded before a scope joined the demo client (`organization`).
            row.scopes = [*row.scopes, *missing]
            db.flush()
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
    return clients


def _account_id(db: Session, username: str) -> str:
    account_id = db.scalar(select(Account.id).where(Account.email == username))
    assert account_id is not None, "seeded before the organisations"
    return account_id


def _existing(db: Session, *, applicant_id: str, name: str) -> Organisation | None:
    """The demo organisation seeded before (by applicant and name), in whatever state the
    demo's users brought it to since."""
    return db.scalar(
        select(Organisation)
        .where(Organisation.applicant_account_id == applicant_id, Organisation.name == name)
        .order_by(Organisation.created_at)
        .limit(1)
        .execution_options(populate_existing=True)  # the services move it by UPDATE
    )


def _seed_application(
    db: Session, spec: dict[str, Any], *, settings: Settings, now: datetime
) -> dict[str, Any]:
    """A submitted application with its documents, as the registration page would store it."""
    applicant_id = _account_id(db, spec["applicant"])
    row = _existing(db, applicant_id=applicant_id, name=spec["form"]["name"])
    if row is None:
        draft = companies.create_draft(
            db, applicant_id=applicant_id, form=OrganisationForm(**spec["form"]), now=now
        )
        _upload(db, spec["documents"], applicant_id=applicant_id, organisation_id=draft.id,
                settings=settings, now=now)
        companies.submit(db, applicant_id=applicant_id, organisation_id=draft.id, now=now)
        row = _existing(db, applicant_id=applicant_id, name=spec["form"]["name"])
        assert row is not None
    return _organisation_row(db, row, spec["applicant"])


def _seed_activated_company(
    db: Session, *, settings: Settings, now: datetime
) -> dict[str, Any]:
    spec = ACTIVATED_COMPANY
    applicant_id = _account_id(db, spec["applicant"])
    row = _existing(db, applicant_id=applicant_id, name=spec["form"]["name"])
    if row is None:
        _seed_application(db, spec, settings=settings, now=now)
        row = _existing(db, applicant_id=applicant_id, name=spec["form"]["name"])
        assert row is not None
        officer_id = _account_id(db, spec["officer"])
        review.start_review(db, staff_id=officer_id, organisation_id=row.id, now=now)
        review.decide(
            db, staff_id=officer_id, organisation_id=row.id, decision="approve",
            reason=spec["approval_reason"], now=now, issuer=settings.issuer,
        )
        # The demo skips the activation letter (the README's journey shows one): the
        # applicant activates as if they had entered its code, and becomes the first admin.
        companies.complete_activation(
            db, organisation_id=row.id, account_id=applicant_id, now=now
        )
        for username, role, client_ids in spec["members"]:
            member_id = _account_id(db, username)
            add_member(db, organisation_id=row.id, account_id=member_id, role=role, now=now,
                       actor=applicant_id)
            set_client_permissions(
                db, organisation_id=row.id, admin_id=applicant_id, member_account_id=member_id,
                client_ids=client_ids, now=now,
            )
    return _organisation_row(db, row, spec["applicant"])


def _upload(
    db: Session, documents: list[Any], *, applicant_id: str, organisation_id: str,
    settings: Settings, now: datetime,
) -> None:
    """The sample PDFs through the upload checks as an upload goes, scanned by clamd if one is
    configured (recorded as skipped otherwise, as `make run` accepts uploads), then stored by
    `add_document`. Not `uploads.intake.accept_files`: that stores the files in a blob store of
    its own, and `add_document` stores them again under the organisation's name."""
    files = [
        IncomingFile(filename, "application/pdf", sample_pdf(title, lines))
        for _doc_type, filename, title, lines in documents
    ]
    scanner = scanner_from_settings(settings)
    for (doc_type, *_rest), checked in zip(documents, check_batch(files), strict=True):
        # Without a scanner, `scan_file` would log a warning per file meant for operators of
        # real uploads; the demo's own samples need no such warning.
        status = ScanStatus.SKIPPED if scanner is None else scan_file(
            checked.original, scanner=scanner, required=False,
            display_name=checked.display_name,
        ).status
        companies.add_document(
            db, applicant_id=applicant_id, organisation_id=organisation_id, doc_type=doc_type,
            data=checked.data, content_type=checked.content_type,
            original_filename=checked.display_name, scan_status=status.value,
            store=open_store(settings, db), now=now,
        )


def _organisation_row(db: Session, row: Organisation, applicant: str) -> dict[str, Any]:
    slug = db.scalar(select(Administration.slug).where(Administration.id == row.administration_id))
    members = db.execute(
        select(Account.email, OrganisationMember.role)
        .join(Account, Account.id == OrganisationMember.account_id)
        .where(OrganisationMember.organisation_id == row.id)
        .order_by(OrganisationMember.role != ADMIN, Account.email)
    ).all()
    return {
        "id": row.id,
        "name": row.name,
        "state": row.state,
        "administration": slug,
        "applicant": applicant,
        "members": [{"username": email, "role": role} for email, role in members],
    }
