"""The `servicekonto` command (DESIGN §9): serve, db, demo, staff, administrations, clients, keys,
audit, outbox."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from servicekonto.settings import Settings

#: `--json`: the commands that list or show things print JSON instead of lines.
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
#: Listing commands narrowed to one administration.
OnlyAdministration = Annotated[str | None, typer.Option(help="Only this administration (slug).")]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="ServiceKonto: OpenID Connect provider for German administrations.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
clients_app = typer.Typer(no_args_is_help=True, help="OIDC clients.")
keys_app = typer.Typer(no_args_is_help=True, help="Signing keys.")
audit_app = typer.Typer(no_args_is_help=True, help="Audit log.")
outbox_app = typer.Typer(no_args_is_help=True, help="Side effects queued for delivery.")
app.add_typer(db_app, name="db")
app.add_typer(clients_app, name="clients")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(outbox_app, name="outbox")


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic wraps our ConfigurationError
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    from servicekonto.db.migrate import upgrade

    if settings.sqlalchemy_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url, revision)


class DatabaseUnreachable(Exception):
    """The database cannot be connected to; the message names it without credentials."""


def _database_label(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"{parsed.get_backend_name()} at {parsed.host}:{parsed.port or 'default port'}/" + (
        parsed.database or ""
    )


def current_revision(settings: Settings) -> str | None:
    """The schema revision the database is at; None for a database without our tables (or a
    SQLite file that does not exist yet, which is not created here)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    url = settings.sqlalchemy_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and not Path(parsed.database).exists():
            return None
        connect_args: dict[str, Any] = {}
    else:
        connect_args = {"connect_timeout": 5}  # an unreachable host must not hang the start
    engine = create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseUnreachable(_database_label(url)) from exc
    finally:
        engine.dispose()
    return str(revision) if revision else None


def _unreachable(exc: DatabaseUnreachable) -> typer.Exit:
    typer.echo(
        f"error: cannot connect to the database ({exc}): check SERVICEKONTO_DATABASE_URL and "
        "that the database server is running",
        err=True,
    )
    return typer.Exit(1)


def _require_schema(settings: Settings) -> None:
    """Refuse to serve, with one line saying what to do, when the database cannot be reached or
    its schema is missing or behind this version (issue 10 #12)."""
    try:
        current = current_revision(settings)
    except DatabaseUnreachable as exc:
        raise _unreachable(exc) from None
    if current is None:
        typer.echo(
            "error: the database has no tables yet: run `servicekonto db upgrade` first", err=True
        )
        raise typer.Exit(1)
    from servicekonto.db.migrate import head_revision, known_revisions

    head = head_revision()
    # A revision this version does not know: a newer release migrated it (rolling update).
    if current != head and current in known_revisions():
        typer.echo(
            f"error: the database schema is at revision {current}, this version needs "
            f"{head}: run `servicekonto db upgrade` first",
            err=True,
        )
        raise typer.Exit(1)


def _dev_issuer(settings: Settings, host: str, port: int) -> None:
    """Dev mode without SERVICEKONTO_ISSUER: the issuer is where this server listens, so the
    demo portal and redirects work on any `--port` (issue 10 #11). The environment carries it
    to the app factory in every worker."""
    import os

    if not settings.dev_mode or any(k.upper() == "SERVICEKONTO_ISSUER" for k in os.environ):
        return
    # A wildcard bind is reached through loopback on the developer's machine.
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    issuer = f"http://{shown}:{port}"
    os.environ["SERVICEKONTO_ISSUER"] = issuer
    typer.echo(f"dev mode: SERVICEKONTO_ISSUER not set, using {issuer}", err=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default SERVICEKONTO_WORKERS).")
    ] = None,
) -> None:
    """Serve the web service (OIDC, pages, JSON API)."""
    import uvicorn

    from servicekonto.logging_setup import dict_config

    settings = _settings()
    _require_schema(settings)
    _dev_issuer(settings, host, port)
    if settings.dev_mode:
        _demo_portal_follows_issuer()
    uvicorn.run(
        "servicekonto.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
        log_config=dict_config(settings.log_level),  # applied in every worker process
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations (SQLite or PostgreSQL, from SERVICEKONTO_DATABASE_URL)."""
    settings = _settings()
    try:
        before = current_revision(settings)
        upgrade_database(settings, revision)
        after = current_revision(settings)
    except DatabaseUnreachable as exc:
        raise _unreachable(exc) from None
    if before is None:
        typer.echo(f"database created: all tables at revision {after}")
    elif before != after:
        typer.echo(f"database upgraded from revision {before} to {after}")
    else:
        typer.echo(f"database is up to date (revision {after}); nothing to do")


def _provider() -> Any:
    from servicekonto.app import build_provider
    from servicekonto.clock import SystemClock

    return build_provider(_settings(), SystemClock())


@contextmanager
def _provided() -> Iterator[Any]:
    """A provider whose database connections are closed afterwards (commands run in-process by
    tests and scripts leave no pool behind)."""
    from servicekonto.app import dispose_provider

    provider = _provider()
    try:
        yield provider
    finally:
        dispose_provider(provider)


def _demo_portal_follows_issuer() -> None:
    """Dev mode: the seeded demo portal moves with the issuer `serve` runs under."""
    from servicekonto.app import dispose_provider
    from servicekonto.sim.demo_seed import follow_issuer

    provider = _provider()  # settings read again: `_dev_issuer` may have set the issuer
    try:
        with provider.sessions() as db:
            if follow_issuer(db, settings=provider.settings, now=provider.clock.now()):
                db.commit()
                typer.echo(
                    "dev mode: demo portal and demo Fachverfahren webhook now registered under "
                    f"{provider.settings.issuer}",
                    err=True,
                )
    finally:
        dispose_provider(provider)


@app.command()
def demo(as_json: AsJson = False) -> None:
    """Seed the demo tenant (idempotent): Landkreis Cochem-Zell, two citizens, staff, three
    clients, two pending company applications and an activated company.

    Dev mode only: the demo accounts have the README's published passwords."""
    from servicekonto.sim.demo_seed import seed

    if not _settings().dev_mode:
        typer.echo(
            "error: `servicekonto demo` seeds accounts with published passwords and runs only "
            "in dev mode (SERVICEKONTO_DEV_MODE=true); nothing was changed",
            err=True,
        )
        raise typer.Exit(2)
    provider = _provider()
    with provider.sessions() as db:
        result = seed(
            db, settings=provider.settings, hashing=provider.hashing, now=provider.clock.now()
        )
        db.commit()
    if as_json:
        _print_json(result)
        return
    typer.echo("Demo tenant ready: " + ", ".join(result["administrations"]))
    for account in result["accounts"]:
        typer.echo(f"  citizen  {account['username']}  password {account['password']}")
    for staff in result["staff"]:
        typer.echo(
            f"  staff    {staff['username']}  password {staff['password']}  "
            f"TOTP secret {staff['totp_secret']}  ({staff['role']}, {staff['administration']})"
        )
    for client in result["clients"]:
        typer.echo(f"  client   {client['client_id']}  ({client['sector']})")
    for organisation in result["organizations"]:
        typer.echo(
            f"  company  {organisation['name']}  {organisation['state']}  "
            f"({organisation['administration']})"
        )
    typer.echo("  four-eyes on: " + ", ".join(result["four_eyes"]))
    postfach = result["postfach"]
    typer.echo(
        f"  postfach {postfach['client_id']} deposited a Bescheid and status updates for "
        f"{postfach['recipient']} (application {postfach['application_id']})"
    )
    typer.echo(f"Open {provider.settings.issuer}/demo-portal and log in.")
    typer.echo(
        f"The demo Fachverfahren's Postfach events (delivered, read) appear at "
        f"{provider.settings.issuer}/demo-fachverfahren."
    )


staff_app = typer.Typer(
    no_args_is_help=True, help="Staff of the administrations: roles per administration."
)
administrations_app = typer.Typer(
    no_args_is_help=True, help="Administrations (tenants) and their settings."
)
app.add_typer(staff_app, name="staff")
app.add_typer(administrations_app, name="administrations")
#: Who the audit log names for changes made on the command line.
CLI_ACTOR = "system:cli"


def _refused(message: str) -> typer.Exit:
    """Bad input: one line on stderr, exit code 2, nothing changed (the session is not
    committed)."""
    typer.echo(f"error: {message}; nothing was changed", err=True)
    return typer.Exit(2)


def _unknown_administration(slug: str) -> str:
    return f"no administration {slug!r} (`servicekonto administrations list` shows them)"


def _staff_input_error(exc: Exception, *, administration: str, role: str | None = None) -> str:
    from servicekonto.companies.staffing import (
        EmailMalformed,
        UnknownAccount,
        UnknownAdministration,
        UnknownRole,
    )
    from servicekonto.staff.service import STAFF_ROLES

    if isinstance(exc, UnknownRole):
        return f"unknown role {role!r} (roles: {', '.join(STAFF_ROLES)})"
    if isinstance(exc, UnknownAdministration):
        return _unknown_administration(administration)
    if isinstance(exc, UnknownAccount):
        return "no account with this e-mail address"
    if isinstance(exc, EmailMalformed):
        return "--email is not an e-mail address"
    return str(exc)


@staff_app.command("add")
def staff_add(
    email: Annotated[str, typer.Option(help="The staff member's e-mail address (login name).")],
    administration: Annotated[str, typer.Option(help="Administration slug, e.g. vg-cochem.")],
    role: Annotated[
        str,
        typer.Option(
            help="registration_officer, registration_supervisor, letter_dispatch or "
            "administration_admin."
        ),
    ],
    as_json: AsJson = False,
) -> None:
    """Give an account a role at an administration (audited). Without an account for the
    address, create one with a one-time password and a bound authenticator app, both printed
    once: hand them to the person."""
    from servicekonto.accounts.means import TOTP_SEALING_PURPOSE
    from servicekonto.companies.staffing import add_staff
    from servicekonto.security.sealing import Sealer

    with _staff_change(administration=administration, role=role) as (provider, db):
        result = add_staff(
            db, email=email, administration_slug=administration, role=role,
            hashing=provider.hashing,
            sealer=Sealer(provider.settings.secret_key, TOTP_SEALING_PURPOSE),
            now=provider.clock.now(), actor=CLI_ACTOR,
        )
    if as_json:
        _print_json(dataclasses.asdict(result))
    else:
        _print_staff_grant(result)
    if not result.bound_second_factor:
        typer.echo(
            "note: this account has no bound second factor, so the staff views stay closed to "
            "it: the person sets up an authenticator app at /account/security and confirms "
            "it after an Online-Ausweis login",
            err=True,
        )


@contextmanager
def _staff_change(*, administration: str, role: str | None) -> Iterator[tuple[Any, Any]]:
    """(provider, session) for one change of staff roles, committed when the block ends; input
    the service refuses exits with code 2 and says why."""
    from servicekonto.errors import InvalidInput, NotFound

    with _provided() as provider, provider.sessions() as db:
        try:
            yield provider, db
        except (InvalidInput, NotFound) as exc:
            raise _refused(
                _staff_input_error(exc, administration=administration, role=role)
            ) from None
        db.commit()


def _print_staff_grant(result: Any) -> None:
    if result.created_account:
        typer.echo(f"created staff account {result.email} (id {result.account_id})")
        typer.echo(f"  password:    {result.password}  (shown once; only a hash is stored)")
        typer.echo(
            f"  TOTP secret: {result.totp_secret}  (shown once; bound, for the authenticator app)"
        )
        typer.echo(f"  otpauth URI: {result.totp_uri}")
    if result.granted:
        typer.echo(f"granted {result.role} at {result.administration} to {result.email}")
    else:
        typer.echo(
            f"{result.email} already holds {result.role} at {result.administration}; "
            "nothing changed"
        )


@staff_app.command("remove")
def staff_remove(
    email: Annotated[str, typer.Option(help="The staff member's e-mail address.")],
    administration: Annotated[str, typer.Option(help="Administration slug.")],
    role: Annotated[
        str | None, typer.Option(help="The role to take away (default: every role there).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Take a role (or every role) at an administration from an account (audited); the account
    stays. Effective at the person's next request."""
    from servicekonto.companies.staffing import remove_staff

    with _staff_change(administration=administration, role=role) as (provider, db):
        result = remove_staff(
            db, email=email, administration_slug=administration, role=role,
            now=provider.clock.now(), actor=CLI_ACTOR,
        )
    if as_json:
        _print_json(dataclasses.asdict(result))
    elif result.roles:
        typer.echo(f"removed {', '.join(result.roles)} at {administration}")
    else:
        typer.echo(f"the account held {role or 'no role'} at {administration}; nothing changed")


@staff_app.command("list")
def staff_list(
    administration: OnlyAdministration = None,
    as_json: AsJson = False,
) -> None:
    """Who holds which role at which administration."""
    from servicekonto.companies.staffing import list_staff
    from servicekonto.errors import NotFound

    with _provided() as provider, provider.sessions() as db:
        try:
            rows = list_staff(db, administration_slug=administration)
        except NotFound as exc:
            raise _refused(_unknown_administration(administration or "")) from exc
    if as_json:
        _print_json([dataclasses.asdict(row) for row in rows])
        return
    for row in rows:
        typer.echo(f"{row.administration:<20} {row.role:<24} {row.email or '-'}")


@administrations_app.command("list")
def administrations_list(
    as_json: AsJson = False,
) -> None:
    """The administrations with their slugs (for `staff add`) and settings."""
    from servicekonto.staff.service import administrations

    with _provided() as provider, provider.sessions() as db:
        rows = administrations(db)
    if as_json:
        _print_json([dataclasses.asdict(row) for row in rows])
        return
    for row in rows:
        four_eyes = "four-eyes on" if row.four_eyes else "four-eyes off"
        typer.echo(f"{row.slug:<20} {four_eyes:<14} {row.name}")


@administrations_app.command("four-eyes")
def administrations_four_eyes(
    slug: Annotated[str, typer.Argument(help="Administration slug.")],
    setting: Annotated[str, typer.Argument(metavar="on|off", help="on or off.")],
) -> None:
    """Switch four-eyes for the administration's company registrations (an approval then needs
    a second, different officer); audited."""
    from servicekonto.companies.review import set_four_eyes_as_operator
    from servicekonto.errors import NotFound

    if setting not in ("on", "off"):
        raise _refused(f"the setting is on or off, not {setting!r}")
    with _provided() as provider, provider.sessions() as db:
        try:
            changed = set_four_eyes_as_operator(
                db, administration_slug=slug, enabled=setting == "on",
                now=provider.clock.now(), actor=CLI_ACTOR,
            )
        except NotFound as exc:
            raise _refused(_unknown_administration(slug)) from exc
        db.commit()
    if changed:
        typer.echo(f"four-eyes {setting} for {slug}")
    else:
        typer.echo(f"four-eyes was already {setting} for {slug}; nothing changed")


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Option(help="Display name.")],
    redirect_uri: Annotated[list[str] | None, typer.Option(help="Exact redirect URI.")] = None,
    post_logout_redirect_uri: Annotated[list[str] | None, typer.Option()] = None,
    grant_type: Annotated[list[str] | None, typer.Option(help="Grant type (repeatable).")] = None,
    scope: Annotated[str, typer.Option(help="Space-separated scopes.")] = "openid profile email",
    auth_method: Annotated[str, typer.Option(help="token_endpoint_auth_method")] = (
        "client_secret_basic"
    ),
    sector: Annotated[str | None, typer.Option(help="Sector for pairwise subjects.")] = None,
    backchannel_logout_uri: Annotated[str | None, typer.Option()] = None,
    jwks_file: Annotated[Path | None, typer.Option(help="JWKS for private_key_jwt.")] = None,
    alg: Annotated[str, typer.Option(help="ID token signing alg.")] = "ES256",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Register a client; prints its client_id and (once) its secret."""
    from pydantic import ValidationError

    from servicekonto.clients.schemas import ClientCreate
    from servicekonto.clients.service import create_client
    from servicekonto.errors import InvalidInput

    try:
        spec = ClientCreate(
            name=name,
            redirect_uris=redirect_uri or [],
            post_logout_redirect_uris=post_logout_redirect_uri or [],
            grant_types=grant_type or ["authorization_code"],
            scopes=scope.split(),
            token_endpoint_auth_method=auth_method,
            sector=sector,
            backchannel_logout_uri=backchannel_logout_uri,
            jwks=json.loads(jwks_file.read_text()) if jwks_file else None,
            id_token_signed_response_alg=alg,
        )
    except ValidationError as exc:
        typer.echo(f"invalid client: {exc}", err=True)
        raise typer.Exit(2) from exc
    provider = _provider()
    with provider.sessions() as db:
        try:
            created = create_client(
                db,
                spec=spec,
                now=provider.clock.now(),
                allow_internal_targets=provider.settings.dev_mode,
            )
        except InvalidInput as exc:
            typer.echo(f"invalid client: {exc.description}", err=True)
            raise typer.Exit(2) from exc
        db.commit()
    if as_json:
        _print_json(created.model_dump())
    else:
        typer.echo(f"client_id:     {created.client_id}")
        if created.client_secret:
            typer.echo(f"client_secret: {created.client_secret}  (shown once)")


@clients_app.command("list")
def clients_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List registered clients."""
    from servicekonto.clients.service import list_clients

    provider = _provider()
    with provider.sessions() as db:
        views = list_clients(db)
    if as_json:
        _print_json([v.model_dump() for v in views])
    else:
        for v in views:
            typer.echo(f"{v.client_id}  {v.name}  {' '.join(v.grant_types)}")


@clients_app.command("webhook")
def clients_webhook(
    client_id: Annotated[str, typer.Option(help="The client (Fachverfahren).")],
    url: Annotated[
        str | None, typer.Option(help="Where Postfach events go (https; http only in dev mode).")
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Stop sending events.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Set a client's Postfach webhook (delivered/read/recalled events, Standard Webhooks
    HMAC-SHA256); prints the signing secret once. Setting it again replaces the secret."""
    from servicekonto.errors import NotFound
    from servicekonto.postfach import webhooks
    from servicekonto.security.outbound import ForbiddenTarget
    from servicekonto.security.sealing import Sealer

    if remove == (url is not None):
        typer.echo("error: give either --url or --remove", err=True)
        raise typer.Exit(2)
    provider = _provider()
    with provider.sessions() as db:
        if remove:
            removed = webhooks.remove_webhook(db, client_id=client_id)
            db.commit()
            typer.echo("webhook removed" if removed else "no webhook was set")
            return
        assert url is not None
        try:
            registered = webhooks.register_webhook(
                db,
                client_id=client_id,
                url=url,
                sealer=Sealer(provider.settings.secret_key, webhooks.SEALING_PURPOSE),
                allow_internal=provider.settings.dev_mode,
                now=provider.clock.now(),
            )
        except NotFound as exc:
            typer.echo(f"error: no client {client_id}", err=True)
            raise typer.Exit(1) from exc
        except ForbiddenTarget as exc:
            typer.echo(f"error: the server must not call this URL: {exc}", err=True)
            raise typer.Exit(2) from exc
        db.commit()
    if as_json:
        _print_json({"client_id": registered.client_id, "url": registered.url,
                     "secret": registered.secret})
    else:
        typer.echo(f"webhook: {registered.url}")
        typer.echo(f"secret:  {registered.secret}  (shown once)")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Create new signing keys; old ones stay published for the overlap period."""
    provider = _provider()
    provider.keys.ensure_keys()
    kids = provider.keys.rotate()
    typer.echo("new signing keys: " + ", ".join(kids))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain."""
    from servicekonto.audit.service import verify_chain

    provider = _provider()
    with provider.sessions() as db:
        check = verify_chain(db)
    if check.intact:
        # The head printed here, kept outside the database, also shows a rewritten audit_head.
        typer.echo(f"audit chain intact: {check.events} events, head {check.head}")
    elif check.broken is not None:
        typer.echo(
            f"audit chain BROKEN at event {check.broken} (after {check.events} good events)",
            err=True,
        )
        raise typer.Exit(1)
    else:
        typer.echo(f"audit chain BROKEN: {check.problem}", err=True)
        raise typer.Exit(1)


@outbox_app.command("deliver")
def outbox_deliver() -> None:
    """Deliver due outbox messages once (the server also does this in the background)."""
    import httpx

    from servicekonto.oidc.logout import deliver_due

    provider = _provider()
    provider.keys.ensure_keys()
    with httpx.Client() as http:
        typer.echo(f"delivered: {deliver_due(provider, http, limit=1000)}")


@app.command()
def openapi() -> None:
    """Print the OpenAPI document of the JSON API."""
    from servicekonto.app import create_app

    settings = Settings(dev_mode=True, issuer="http://127.0.0.1:8000", outbox_interval_seconds=0)
    sys.stdout.write(json.dumps(create_app(settings).openapi(), indent=2, sort_keys=True) + "\n")


MockOverride = Annotated[
    bool,
    typer.Option(
        "--i-know-this-is-a-mock",
        help="Serve the mock although SERVICEKONTO_DEV_MODE is off (test systems only).",
    ),
]


def _refuse_mock_outside_dev_mode(what: str, override: bool) -> None:
    """A mock answers for any person or card: never by accident next to a production setup
    (issue 15 item 12)."""
    try:
        dev_mode = Settings().dev_mode
    except Exception:  # a production configuration with a problem is still no dev mode
        dev_mode = False
    if not dev_mode and not override:
        typer.echo(
            f"refusing to serve the {what} mock outside dev mode: set SERVICEKONTO_DEV_MODE=1, "
            "or pass --i-know-this-is-a-mock on a test system",
            err=True,
        )
        raise typer.Exit(2)


def _serve_mock(app: Any, *, host: str, port: int) -> None:
    """Serve a mock's app in this process: our logging (configured by the caller), no access
    log, no Server header."""
    import uvicorn

    uvicorn.run(
        app, host=host, port=port, log_config=None, access_log=False, server_header=False
    )


register_mock_app = typer.Typer(
    no_args_is_help=True, help="Civil register (Melderegister) mock over generated residents."
)
app.add_typer(register_mock_app, name="register-mock")


@register_mock_app.command("serve")
def register_mock_serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8001,
    residents: Annotated[int, typer.Option(min=0, help="Number of residents.")] = 62_000,
    seed: Annotated[int, typer.Option(help="Seed of the generated data set.")] = 20261121,
    i_know_this_is_a_mock: MockOverride = False,
) -> None:
    """Serve the register's JSON API (POST /v1/match, GET /healthz) over generated residents.
    Dev mode only, unless --i-know-this-is-a-mock."""
    _refuse_mock_outside_dev_mode("civil register", i_know_this_is_a_mock)
    from servicekonto.logging_setup import configure
    from servicekonto.sim.register_app import create_register_mock_app
    from servicekonto.sim.register_data import generate
    from servicekonto.sim.register_mock import InMemoryRegister

    configure("INFO")
    register = InMemoryRegister(generate(residents, seed))
    typer.echo(f"civil register mock: {len(register)} residents (seed {seed})", err=True)
    _serve_mock(create_register_mock_app(register), host=host, port=port)


@register_mock_app.command("sample")
def register_mock_sample(
    as_json: AsJson = False,
    n: Annotated[int, typer.Option("--n", min=0, help="Number of residents.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the generated data set.")] = 20261121,
) -> None:
    """Print the first N residents (the documented test persons first), with the registration
    form's field names, so a person can register as one of them. The same residents exist in
    every register generated with the same seed and at least N residents."""
    from servicekonto.sim.register_data import generate

    people = [
        {
            "given_name": r.given_names,
            "family_name": r.family_name,
            "birth_date": r.birth_date.isoformat(),
            "street": r.address.street,
            "house_number": r.address.house_number,
            "postal_code": r.address.postal_code,
            "locality": r.address.locality,
            "birth_name": r.birth_name,
            "place_of_birth": r.place_of_birth,
            "record_id": r.record_id,
        }
        for r in generate(n, seed)
    ]
    if as_json:
        _print_json(people)
        return
    for p in people:
        typer.echo(
            f"{p['record_id']}  {p['given_name']} {p['family_name']}  *{p['birth_date']}  "
            f"{p['street']} {p['house_number']}, {p['postal_code']} {p['locality']}"
        )


eid_mock_app = typer.Typer(
    no_args_is_help=True, help="eID-Server mock (BSI TR-03130) and AusweisApp simulator."
)
app.add_typer(eid_mock_app, name="eid-mock")

DEFAULT_EID_SERVICE_PROVIDER = "ServiceKonto"
"""Whom the standalone eID mock assumes when a caller sends no `X-Service-Provider` header."""


def _eid_mock_state(settings: Settings) -> Path:
    """The eID mock's state file (sessions, PIN retry counters) in the data directory."""
    return settings.data_dir / "eid-mock.sqlite3"


@eid_mock_app.command("serve")
def eid_mock_serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8002,
    service_provider: Annotated[
        str, typer.Option(help="Service provider assumed without an X-Service-Provider header.")
    ] = DEFAULT_EID_SERVICE_PROVIDER,
    public_url: Annotated[
        str | None,
        typer.Option(help="URL browsers reach this server at (default http://HOST:PORT)."),
    ] = None,
    refresh_address_prefix: Annotated[
        list[str] | None,
        typer.Option(
            help="Where the simulator may send browsers back (repeatable; default: the "
            "--service-provider URL, else SERVICEKONTO_ISSUER, and what lies below it)."
        ),
    ] = None,
    i_know_this_is_a_mock: MockOverride = False,
) -> None:
    """Serve the eID-Interface (POST /eid/v1/useID, /eid/v1/getResult) and the simulator pages
    (GET /simulator/{ticket}); state in <data_dir>/eid-mock.sqlite3. Dev mode only, unless
    --i-know-this-is-a-mock."""
    _refuse_mock_outside_dev_mode("eID", i_know_this_is_a_mock)
    from servicekonto.clock import SystemClock
    from servicekonto.logging_setup import configure
    from servicekonto.sim.eid_app import create_eid_mock_app
    from servicekonto.sim.eid_server import MockEidServer

    settings = _settings()
    configure(settings.log_level)
    prefixes = refresh_address_prefix or (
        None if service_provider.startswith(("http://", "https://")) else [settings.issuer]
    )
    server = MockEidServer(
        _eid_mock_state(settings),
        simulator_base_url=public_url or f"http://{host}:{port}",
        service_provider=service_provider,
        clock=SystemClock().now,
        refresh_prefixes=prefixes,
    )
    typer.echo(f"eID mock: simulator at {public_url or f'http://{host}:{port}'}", err=True)
    _serve_mock(create_eid_mock_app(server, secret_key=settings.secret_key), host=host, port=port)


@eid_mock_app.command("cards")
def eid_mock_cards(
    as_json: AsJson = False,
) -> None:
    """The test cards with their PINs and chip data (all a tester needs to log in by eID)."""
    from servicekonto.sim.eid_cards import TEST_CARDS

    rows = [_card_row(card) for card in TEST_CARDS]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['card_id']:<32} PIN {row['pin']}  {row['validity']:<8} "
            f"{row['document_type']:<2}  {row['given_names']} {row['family_names']}  "
            f"*{row['date_of_birth']}  {row['address'] or '(keine Anschrift auf dem Chip)'}"
        )


def _card_row(card: Any) -> dict[str, Any]:
    data = card.personal_data
    place = data.place_of_residence
    return {
        "card_id": card.card_id,
        "label": card.label,
        "pin": card.pin,
        "validity": card.validity.value,
        "document_type": data.document_type,
        "issuing_state": data.issuing_state,
        "date_of_expiry": data.date_of_expiry.isoformat(),
        "given_names": data.given_names,
        "family_names": data.family_names,
        "birth_name": data.birth_name,
        "academic_title": data.academic_title,
        "date_of_birth": data.date_of_birth.isoformat(),
        "place_of_birth": data.place_of_birth,
        "nationality": data.nationality,
        "address": None
        if place is None
        else f"{place.street}, {place.zip_code} {place.city}, {place.country}",
        "place_of_residence": None
        if place is None
        else {
            "street": place.street,
            "zip_code": place.zip_code,
            "city": place.city,
            "country": place.country,
        },
        "not_on_chip": sorted(op.value for op in card.not_on_chip),
    }


@eid_mock_app.command("reset-pins")
def eid_mock_reset_pins() -> None:
    """Unblock every test card's PIN (three tries again) in <data_dir>/eid-mock.sqlite3."""
    from servicekonto.clock import SystemClock
    from servicekonto.sim.eid_server import MockEidServer

    settings = _settings()
    server = MockEidServer(
        _eid_mock_state(settings),
        simulator_base_url="http://127.0.0.1:8002",
        service_provider=DEFAULT_EID_SERVICE_PROVIDER,
        clock=SystemClock().now,
    )
    server.reset_pins()
    typer.echo("all test card PINs have three tries again")


letters_app = typer.Typer(no_args_is_help=True, help="PIN letters for the print shop.")
app.add_typer(letters_app, name="letters")


@letters_app.command("list")
def letters_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Queued letters, PIN letters and organisation activation letters (oldest first)."""
    from servicekonto.letters.service import list_queued

    provider = _provider()
    with provider.sessions() as db:
        queued = list_queued(db, now=provider.clock.now())
    rows: list[dict[str, object]] = [
        {
            "letter_id": q.letter_id,
            "reference": q.reference,
            "kind": q.kind,
            "created_at": q.created_at.isoformat(),
            "valid_until": q.valid_until.isoformat(),
            "administration": q.administration_slug,
            "recipient_lines": q.recipient_lines,
        }
        for q in queued
    ]
    if as_json:
        _print_json(rows)
    else:
        for q in queued:
            typer.echo(
                f"{q.reference}  {q.kind:<14}  {q.created_at:%Y-%m-%d %H:%M}  "
                f"{q.administration_slug}"
            )


@letters_app.command("export")
def letters_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="PDF file to write.")] = Path(
        "pin-letters.pdf"
    ),
    dispatched: Annotated[
        bool, typer.Option(help="Also mark the exported letters dispatched.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Write the oldest queued letters (at most 200) as one print-ready PDF, audited; optionally
    mark them dispatched. No queued letter: nothing is written. A damaged letter: exit code 1."""
    from servicekonto.audit.service import record
    from servicekonto.errors import NotFound
    from servicekonto.letters.service import LetterUnreadable, export_batch, mark_dispatched

    provider = _provider()
    with provider.sessions() as db:
        try:
            ids, pdf = export_batch(db, now=provider.clock.now())
        except NotFound:
            ids, pdf = [], b""
        except LetterUnreadable as exc:
            typer.echo(f"error: {exc.description}; nothing was written", err=True)
            raise typer.Exit(1) from exc
        if ids:
            output.write_bytes(pdf)
            record(db, at=provider.clock.now(), event="letters.exported", actor="system:cli",
                   details={"letter_ids": ids})
        if dispatched and ids:
            mark_dispatched(db, letter_ids=ids, now=provider.clock.now())
        db.commit()
    result = {"file": str(output) if ids else None, "letters": ids, "dispatched": dispatched}
    if as_json:
        _print_json(result)
    elif ids:
        typer.echo(f"{len(ids)} letters written to {output}")
    else:
        typer.echo("no queued letters; nothing written")


maintenance_app = typer.Typer(no_args_is_help=True, help="Retention and clean-up jobs.")
app.add_typer(maintenance_app, name="maintenance")


@maintenance_app.command("run")
def maintenance_run(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Purge unconfirmed sign-ups (7 days), close expired letters, delete expired tokens and
    old outbox rows, and the files of decided company applications after the appeal period.
    Idempotent and safe to call from cron: a second run reports zeros."""
    from datetime import timedelta

    from servicekonto.blobs.stores import open_store
    from servicekonto.companies.retention import SUMMARY_KEY, purge_documents
    from servicekonto.letters.store import LetterStore
    from servicekonto.selfservice.retention import run

    provider = _provider()
    settings = provider.settings
    store = LetterStore(settings.data_dir / "letters")
    now = provider.clock.now()
    with provider.sessions() as db:
        summary = run(db, now=now, letters_store=store, blobs=open_store(settings, db))
        db.commit()
    # In batches, one transaction each (companies.retention).
    summary[SUMMARY_KEY] = purge_documents(
        provider.sessions, lambda db: open_store(settings, db), now=now,
        retention=timedelta(days=settings.application_documents_retention_days),
    )
    if as_json:
        _print_json(summary)
    else:
        for key, count in summary.items():
            typer.echo(f"{key}: {count}")


catalogue_app = typer.Typer(
    no_args_is_help=True, help="The catalogue of online services (favourites pick from it)."
)
app.add_typer(catalogue_app, name="catalogue")


@catalogue_app.command("add")
def catalogue_add(
    administration: Annotated[str, typer.Option(help="The responsible administration (slug).")],
    name: Annotated[str, typer.Option(help="The service's name.")],
    url: Annotated[str, typer.Option(help="Its https link.")],
    min_level: Annotated[
        str, typer.Option("--min-level", help="low | substantial | high.")
    ] = "substantial",
    leika: Annotated[
        str | None, typer.Option(help="The LeiKa key (14 digits), where known.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Add a service, or update the one of that name at that administration (audited)."""
    from pydantic import ValidationError

    from servicekonto.audit.service import record
    from servicekonto.catalogue.schemas import ServiceCreate
    from servicekonto.catalogue.service import add_service
    from servicekonto.errors import InvalidInput

    try:
        spec = ServiceCreate(administration=administration, name=name, url=url,
                             min_level=min_level, leika=leika)
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise _refused(problems) from None
    with _provided() as provider, provider.sessions() as db:
        now = provider.clock.now()
        try:
            view = add_service(db, spec=spec, now=now)
        except InvalidInput:
            raise _refused(_unknown_administration(administration)) from None
        record(db, at=now, event="catalogue.service_added", actor=CLI_ACTOR,
               subject=f"service:{view.id}")
        db.commit()
    if as_json:
        _print_json(view.model_dump())
    else:
        typer.echo(f"{view.id}  {view.name}  ({view.administration})")


@catalogue_app.command("list")
def catalogue_list(
    administration: OnlyAdministration = None,
    as_json: AsJson = False,
) -> None:
    """The services, by administration and name."""
    from servicekonto.catalogue.service import list_services

    with _provided() as provider, provider.sessions() as db:
        rows = list_services(db, administration=administration)
    if as_json:
        _print_json([row.model_dump() for row in rows])
        return
    for row in rows:
        typer.echo(f"{row.id}  {row.administration:<16} {row.min_level:<12} {row.name}")


@catalogue_app.command("remove")
def catalogue_remove(
    service_id: Annotated[str, typer.Argument(help="The id `catalogue list` shows.")],
) -> None:
    """Remove a service; the favourites of it go with it (audited)."""
    from servicekonto.audit.service import record
    from servicekonto.catalogue.service import remove_service
    from servicekonto.errors import NotFound

    with _provided() as provider, provider.sessions() as db:
        try:
            remove_service(db, service_id=service_id)
        except NotFound:
            raise _refused(f"no service {service_id!r}") from None
        record(db, at=provider.clock.now(), event="catalogue.service_removed",
               actor=CLI_ACTOR, subject=f"service:{service_id[:32]}")
        db.commit()
    typer.echo(f"removed {service_id}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
