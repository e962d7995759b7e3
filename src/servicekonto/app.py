"""The composition root: builds every collaborator once from Settings and wires the surfaces."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekonto import __version__
from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import TOTP_SEALING_PURPOSE
from servicekonto.api import account_postfach, admin_clients, problems
from servicekonto.api import catalogue as catalogue_api
from servicekonto.api import letters as letters_api
from servicekonto.api import organizations as organizations_api
from servicekonto.api import postfach as postfach_api
from servicekonto.api import registration as registration_api
from servicekonto.api import safe as safe_api
from servicekonto.api import staff_administration as staff_administration_api
from servicekonto.api import staff_organizations as staff_organizations_api
from servicekonto.clients.schemas import is_machine_scope
from servicekonto.clients.service import ClientCache
from servicekonto.clock import Clock, SystemClock
from servicekonto.db.engine import make_engine, make_session_factory, read_only_engine
from servicekonto.eid.http_adapter import HttpEidServer
from servicekonto.eid.port import EidServer
from servicekonto.errors import ServiceKontoError
from servicekonto.http.bearer import BearerValidator, ClientAssertionValidator, Principal
from servicekonto.http.refusals import LoginRequired
from servicekonto.http.uploads import UPLOAD_BODY_LIMIT, UPLOAD_ROUTES
from servicekonto.letters.store import LetterStore
from servicekonto.logging_setup import FailureStreak
from servicekonto.mail.service import deliver_mail_due, mail_transport
from servicekonto.oidc import access, client_auth, logout
from servicekonto.oidc import errors as oauth_errors
from servicekonto.oidc import routes as oidc_routes
from servicekonto.oidc.keystore import KeyStore
from servicekonto.oidc.pairwise import SubjectIds
from servicekonto.oidc.provider import Provider
from servicekonto.postfach import webhooks as postfach_webhooks
from servicekonto.postfach.recipients import OrganisationSubjectIds
from servicekonto.register.http_adapter import HttpRegister
from servicekonto.register.model import MatchResult, PersonQuery
from servicekonto.register.port import CivilRegister
from servicekonto.registration.service import Collaborators
from servicekonto.security.csrf import CsrfTokens
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.ratelimit import Limits, make_counter, namespace_of
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import derive_key
from servicekonto.settings import Settings
from servicekonto.signin.eid import EidLinking
from servicekonto.sim import demo_fachverfahren, demo_portal
from servicekonto.sim.eid_app import create_eid_mock_app
from servicekonto.sim.eid_server import MockEidServer
from servicekonto.sim.register_mock import default_register
from servicekonto.web import api_docs
from servicekonto.web import errors as error_pages
from servicekonto.web.input_guard import refuse_control_characters
from servicekonto.web.metrics import metrics_router
from servicekonto.web.middleware import EdgeMiddleware
from servicekonto.web.pages import error_page, login_redirect
from servicekonto.web.rendering import Renderer
from servicekonto.web.routes import account, interaction
from servicekonto.web.routes import administration as administration_pages
from servicekonto.web.routes import credentials as credential_pages
from servicekonto.web.routes import dispatch as dispatch_pages
from servicekonto.web.routes import eid as eid_pages
from servicekonto.web.routes import legal as legal_pages
from servicekonto.web.routes import logout as logout_pages
from servicekonto.web.routes import members as member_pages
from servicekonto.web.routes import organizations as organization_pages
from servicekonto.web.routes import postfach as postfach_pages
from servicekonto.web.routes import recovery as recovery_pages
from servicekonto.web.routes import registration as registration_pages
from servicekonto.web.routes import review as review_pages
from servicekonto.web.routes import safe as safe_pages
from servicekonto.web.routes import security as security_pages
from servicekonto.web.routes import services as service_pages

log = logging.getLogger("servicekonto")

#: Where dev mode mounts the eID-Server mock and the AusweisApp simulator (DESIGN §3).
EID_MOCK_PATH = "/mock/eid"
#: Other paths only machines call: they answer JSON errors, never the German error page.
MACHINE_PATHS = ("/jwks", "/healthz", "/readyz", "/metrics")


def build_provider(settings: Settings, clock: Clock) -> Provider:
    engine = make_engine(
        settings.sqlalchemy_url, busy_timeout_seconds=settings.sqlite_busy_timeout_seconds
    )
    sessions = make_session_factory(engine)
    reading = make_session_factory(read_only_engine(engine))
    keys = KeyStore(
        sessions,
        reading=reading,
        secret_key=settings.secret_key,
        clock=clock,
        overlap_seconds=settings.key_overlap_seconds,
        ttl_seconds=settings.key_cache_seconds,
    )
    return Provider(
        settings=settings,
        clock=clock,
        sessions=sessions,
        keys=keys,
        clients=ClientCache(settings.client_cache_seconds),
        subjects=SubjectIds(settings.secret_key),
        organisation_subjects=OrganisationSubjectIds(settings.secret_key),
        hashing=PasswordHashing(settings.argon2_memory_kib, settings.argon2_time_cost),
        reading=reading,
    )


def dispose_provider(provider: Provider) -> None:
    """Close the pooled database connections of `build_provider`'s engine (`reading` shares it).
    A pool left to the garbage collector drops open connections: psycopg then warns, in
    whatever code happens to run, and the server keeps a backend until its socket times out."""
    with provider.sessions() as db:  # a session touches no connection until it is used
        engine = db.get_bind()
    assert isinstance(engine, Engine)
    engine.dispose()


def bearer_validator(provider: Provider) -> BearerValidator:
    """Adapts the protocol layer's access-token check for the JSON API."""

    def validate(db: Session, token: str) -> Principal | None:
        valid = access.validate(db, provider, token, now=provider.clock.now())
        if valid is None:
            return None
        grant = valid.authorization
        return Principal(
            client_id=str(valid.claims.get("client_id", "")),
            subject=str(valid.claims.get("sub", "")),
            scopes=frozenset(valid.scopes),
            account_id=grant.account_id if grant else None,
            amr=frozenset(grant.amr) if grant else frozenset(),
            level=TrustLevel.parse(grant.acr) if grant else None,
        )

    return validate


def client_assertion_validator(provider: Provider) -> ClientAssertionValidator:
    """Adapts the protocol layer's private_key_jwt check (`oidc.client_auth`) for the JSON API:
    the Postfach deposit accepts a client's assertion instead of a token (issue 13)."""

    def validate(db: Session, assertion_type: str, assertion: str, endpoint: str) -> Principal:
        client = client_auth.authenticate(
            db,
            provider,
            authorization_header=None,
            form={"client_assertion_type": assertion_type, "client_assertion": assertion},
            endpoint_url=endpoint,
            now=provider.clock.now(),
        )
        return Principal(
            client_id=client.client_id,
            subject=client.client_id,
            scopes=frozenset(s for s in client.scopes if is_machine_scope(s)),
        )

    return validate


def answers_json(path: str) -> bool:
    """Machines (the JSON API, OAuth endpoints, discovery, JWKS, probes) get JSON errors;
    every other path is a page a person sees, so it gets the German error page."""
    return (
        path.startswith(("/api/", "/.well-known/"))
        or path in oauth_errors.JSON_ENDPOINTS
        or path in MACHINE_PATHS
    )


def _install_error_handlers(app: FastAPI) -> None:
    """Typed errors raised anywhere, rendered once per surface (DESIGN §6 convention 2): problem
    details under /api/, OAuth JSON at the protocol's JSON endpoints, a page everywhere else."""

    @app.exception_handler(ServiceKontoError)
    async def on_service_error(request: Request, exc: ServiceKontoError) -> Response:
        path = request.url.path
        if path.startswith("/api/"):
            return problems.problem_for_error(exc)
        if path in oauth_errors.JSON_ENDPOINTS:
            oauth = oauth_errors.as_oauth_error(exc)
            if oauth is not None:
                return oauth_errors.json_response(oauth)
        return error_pages.page_for_error(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Framework errors (unknown path, wrong method) in the surface's own format."""
        headers = dict(exc.headers) if exc.headers else None
        path = request.url.path
        if path.startswith("/api/"):
            return problems.problem_for_status(exc.status_code, str(exc.detail), headers)
        if path in oauth_errors.JSON_ENDPOINTS:
            response = oauth_errors.framework_error(exc.status_code, str(exc.detail))
            if headers:
                response.headers.update(headers)
            return response
        return error_pages.page_for_status(request, exc.status_code, headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        return problems.problem_for_validation(exc)

    @app.exception_handler(OperationalError)
    async def on_database_down(request: Request, exc: OperationalError) -> Response:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        path = request.url.path
        if path in oauth_errors.JSON_ENDPOINTS:
            return oauth_errors.unavailable()
        if answers_json(path):
            return problems.problem(
                503,
                "temporarily_unavailable",
                "the database is not reachable",
                {"Retry-After": "5"},
            )
        return error_pages.unavailable_page(request)


def server_error_response(request: Request) -> Response:
    """The 500 for an exception no handler took, in the surface's format (EdgeMiddleware sends it,
    so it carries the security headers and is logged and counted)."""
    path = request.url.path
    if path in oauth_errors.JSON_ENDPOINTS:
        return oauth_errors.server_error()
    if answers_json(path):
        return problems.problem(500, "internal_server_error", "internal error")
    return error_pages.server_error_page(request)


def too_large_response(request: Request) -> Response:
    """The 413 of an upload route (its own body cap, `http.uploads`): problem details for the
    API, a page that says the limits for people."""
    if request.url.path.startswith("/api/"):
        return problems.problem(
            413, "payload_too_large",
            f"request body too large: at most 5 files of 10 MB ({UPLOAD_BODY_LIMIT} bytes in all)",
        )
    return error_page(
        request, status=413, title_key="error.title", message_key="error.upload_too_large",
    )


class EmbeddedRegister:
    """The in-process register mock, built on first use (DESIGN §3: embedded default)."""

    def match(self, query: PersonQuery) -> MatchResult:
        return default_register().match(query)


def build_registration(provider: Provider) -> Collaborators:
    settings = provider.settings
    register: CivilRegister = (
        HttpRegister(settings.register_url) if settings.register_url else EmbeddedRegister()
    )
    return Collaborators(
        hashing=provider.hashing,
        register=register,
        letters=LetterStore(settings.data_dir / "letters"),
        issuer=settings.issuer,
    )


def build_eid(provider: Provider) -> tuple[EidServer | None, MockEidServer | None]:
    """(the eID-Server port, the embedded mock to mount at /mock/eid or None).

    `SERVICEKONTO_EID_URL` set: the HTTP adapter. Unset: the embedded mock in dev mode only, so
    a production instance never offers test cards; otherwise no Online-Ausweis at all.
    """
    settings = provider.settings
    if not settings.eid_enabled:
        return None, None
    if settings.eid_url:
        return HttpEidServer(settings.eid_url, service_provider=settings.issuer), None
    if not settings.dev_mode:
        return None, None
    mock = MockEidServer(
        settings.data_dir / "eid-mock.sqlite3",
        simulator_base_url=f"{settings.issuer}{EID_MOCK_PATH}",
        service_provider=settings.issuer,
        clock=provider.clock.now,
    )
    return mock, mock


def eid_linking(provider: Provider, register: CivilRegister) -> EidLinking:
    return EidLinking(
        lookup_key=derive_key(provider.settings.secret_key, "eid-restricted-id"),
        register=register,
        hashing=provider.hashing,
    )


def deliver_outbox(provider: Provider, http: httpx.Client) -> None:
    """One delivery round: back-channel logouts, Postfach webhooks and mails."""
    logout.deliver_due(provider, http)
    postfach_webhooks.deliver_due(
        provider.sessions,
        clock=provider.clock,
        http=http,
        sealer=Sealer(provider.settings.secret_key, postfach_webhooks.SEALING_PURPOSE),
        allow_internal=provider.settings.dev_mode,
        reading=provider.reading,
    )
    deliver_mail_due(
        provider.sessions,
        clock=provider.clock,
        transport=mail_transport(provider.settings),  # builds no connection until a mail is due
        sender=provider.settings.mail_from,
        reading=provider.reading,
    )


def _outbox_worker(provider: Provider, stop: threading.Event) -> None:
    streak = FailureStreak(log, "outbox delivery round")
    with httpx.Client(follow_redirects=False) as http:
        while not stop.wait(provider.settings.outbox_interval_seconds):
            try:
                deliver_outbox(provider, http)
            except Exception as exc:  # the worker must outlive one bad round; it is retried
                streak.failed(exc)
            else:
                streak.succeeded()


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    provider = build_provider(settings, clock or SystemClock())
    # Production shows its API documentation only when told to (issue 15 #12).
    docs = settings.dev_mode if settings.api_docs is None else settings.api_docs

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        provider.keys.ensure_keys()
        stop = threading.Event()
        # The keys reload on their own schedule here, never on a request's path (keystore).
        threads = [
            threading.Thread(
                target=provider.keys.refresh_forever, args=(stop,), daemon=True, name="keys"
            )
        ]
        if settings.outbox_interval_seconds > 0:
            threads.append(
                threading.Thread(
                    target=_outbox_worker, args=(provider, stop), daemon=True, name="outbox"
                )
            )
        for thread in threads:
            thread.start()
        try:
            yield
        finally:  # also when the app stops with an error: no pooled connection is left open
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
            # After the threads: a reload still running would check a connection out again.
            dispose_provider(provider)

    app = FastAPI(
        title="ServiceKonto",
        version=__version__,
        lifespan=lifespan,
        description="Identity and service-account service for German administrations.",
        docs_url=None,  # web/api_docs.py: Swagger UI from our own origin (CSP)
        redoc_url=None,
        openapi_url="/api/openapi.json" if docs else None,
        # One gate for NUL and other control characters in every field (web/input_guard.py).
        dependencies=[Depends(refuse_control_characters)],
    )
    # What the request dependencies read (`servicekonto.http`); nothing else reads app.state.
    app.state.provider = provider
    app.state.bearer_validator = bearer_validator(provider)
    app.state.client_assertion_validator = client_assertion_validator(provider)
    app.state.registration = build_registration(provider)
    app.state.letter_store = app.state.registration.letters
    app.state.renderer = Renderer(override_dir=settings.data_dir / "templates")
    app.state.csrf = CsrfTokens(settings.secret_key)
    app.state.limits = Limits(
        login_per_minute=settings.login_rate_per_minute,
        registration_per_hour=settings.registration_rate_per_hour,
        mail_per_address_per_hour=settings.mail_rate_per_address_per_hour,
        eid_start_per_minute=settings.eid_start_rate_per_minute,
        counter=make_counter(settings.redis_url, namespace=namespace_of(settings.issuer)),
    )
    app.state.totp_sealer = Sealer(settings.secret_key, TOTP_SEALING_PURPOSE)
    app.state.eid_server, eid_mock = build_eid(provider)
    app.state.eid_linking = eid_linking(provider, app.state.registration.register)
    _install_error_handlers(app)
    app.add_exception_handler(LoginRequired, login_redirect)

    app.include_router(oidc_routes.router)
    # Before any router with `/organizations/{id}`: its fixed paths (new, activate, revoke) win.
    app.include_router(organization_pages.router)
    app.include_router(interaction.router)
    app.include_router(eid_pages.router)
    app.include_router(security_pages.router)
    app.include_router(account.router)
    app.include_router(logout_pages.router)
    app.include_router(registration_pages.router)
    app.include_router(recovery_pages.router)
    app.include_router(credential_pages.router)
    app.include_router(dispatch_pages.router)
    app.include_router(review_pages.router)
    app.include_router(postfach_pages.router)
    app.include_router(member_pages.router)
    app.include_router(administration_pages.router)
    app.include_router(safe_pages.router)
    app.include_router(service_pages.router)
    app.include_router(safe_api.router)
    app.include_router(catalogue_api.router)
    app.include_router(letters_api.router)
    app.include_router(staff_organizations_api.router)
    app.include_router(registration_api.router)
    app.include_router(organizations_api.router)
    app.include_router(admin_clients.router)
    app.include_router(account_postfach.router)
    app.include_router(postfach_api.router)
    app.include_router(staff_administration_api.router)
    if settings.dev_mode:  # the demo relying party exists only with the demo tenant (dev mode)
        app.include_router(demo_portal.router)
        app.include_router(demo_fachverfahren.router)  # its webhook receiver (issue 13)
    app.include_router(legal_pages.router)
    if docs:
        app.include_router(api_docs.router)
        app.mount(api_docs.ASSETS_PATH, api_docs.assets(), name="api-docs-assets")
    app.include_router(metrics_router(settings))
    if eid_mock is not None:
        app.mount(EID_MOCK_PATH, create_eid_mock_app(eid_mock, secret_key=settings.secret_key))
    app.mount("/static", StaticFiles(packages=[("servicekonto.web", "static")]), name="static")

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> Response:
        try:
            with provider.sessions() as db:
                db.execute(text("SELECT 1"))
        except OperationalError:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    app.add_middleware(
        EdgeMiddleware,
        body_limit=settings.body_limit_bytes,
        hsts=settings.secure_cookies,
        name_worker=settings.dev_mode,
        on_error=server_error_response,
        # The Dokumentensafe takes one document at a time: its own, smaller cap (a setting).
        route_limits=[
            (
                method,
                path,
                settings.upload_body_limit_bytes
                if path == safe_pages.UPLOAD_PATH
                else UPLOAD_BODY_LIMIT,
            )
            for method, path in UPLOAD_ROUTES
        ],
        on_too_large=too_large_response,
        path_limits=((postfach_api.MESSAGES_PATH, postfach_api.DEPOSIT_BODY_LIMIT),),
    )
    return app
