"""Test helpers: an OIDC relying party driven through our pages, and data builders."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import create_account
from servicekonto.accounts.sessions import ActiveSession, start_session
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.db.models import Account, Administration
from servicekonto.oidc.provider import Provider
from servicekonto.security.passwords import PasswordHashing
from servicekonto.staff.service import LETTER_DISPATCH, grant
from servicekonto.web.i18n import Catalogs
from servicekonto.web.texts import TEXTS

PASSWORD = "Korrekt-Pferd-Batterie-42"
#: argon2id cost for tests: the real algorithm, a fraction of the time.
FAST_ARGON2 = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}
#: The same cost for tests that hash without a provider (service tests on a bare session).
FAST_HASHING = PasswordHashing(
    memory_kib=FAST_ARGON2["argon2_memory_kib"], time_cost=FAST_ARGON2["argon2_time_cost"]
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
T = TypeVar("T")
#: The person of `make_account`.
ERIKA: dict[str, Any] = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1964-08-12",
    "address": {
        "street_address": "Heidestraße 17",
        "postal_code": "51147",
        "locality": "Köln",
        "country": "DE",
    },
}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str | None
    redirect_uri: str
    sector: str
    extra: dict[str, Any] = field(default_factory=dict)


def make_client(provider: Provider, **overrides: Any) -> RegisteredClient:
    spec: dict[str, Any] = {
        "name": "Testportal",
        "redirect_uris": ["https://rp.example/cb"],
        "post_logout_redirect_uris": ["https://rp.example/logged-out"],
        "grant_types": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "profile", "email", "address", "offline_access"],
    }
    spec.update(overrides)
    with provider.sessions() as db:
        created = create_client(
            db,
            spec=ClientCreate(**spec),
            now=provider.clock.now(),
            allow_internal_targets=provider.settings.dev_mode,
        )
        db.commit()
    return RegisteredClient(
        created.client_id,
        created.client_secret,
        created.redirect_uris[0] if created.redirect_uris else "",
        created.sector,
    )


def make_account(
    provider: Provider,
    email: str | None = None,
    *,
    password: str = PASSWORD,
    level: TrustLevel = TrustLevel.BASIC,
    attributes: dict[str, Any] | None = None,
) -> str:
    """A confirmed e-mail/password account (Erika Mustermann of Köln unless `attributes` says
    otherwise); returns its e-mail address."""
    email = email or f"person-{secrets.token_hex(4)}@example.org"
    with provider.sessions() as db:
        create_account(
            db,
            hashing=provider.hashing,
            now=provider.clock.now(),
            email=email,
            password=password,
            level=level,
            email_verified=True,
            attributes=copy.deepcopy(ERIKA) if attributes is None else attributes,
        )
        db.commit()
    return email


def account_id_of(provider: Provider, email: str) -> str:
    """The id of the account with this e-mail address (asserts there is one)."""
    with provider.sessions() as db:
        found = db.scalar(select(Account.id).where(Account.email == email))
    assert found, email
    return str(found)


def give_roles(
    provider: Provider, account_id: str, roles: list[str], slug: str = "vg-zell"
) -> None:
    """Make the account staff of the administration `slug` (added if missing) with these roles
    (e.g. `letter_dispatch`)."""
    with provider.sessions() as db:
        if db.scalar(select(Administration.id).where(Administration.slug == slug)) is None:
            db.add(Administration(slug=slug, name=slug, kind="verbandsgemeinde",
                                  postal_codes=[], address_lines=[]))
            db.flush()
        for role in roles:
            grant(db, account_id=account_id, administration_slug=slug, role=role)
        db.commit()


def make_staff(provider: Provider, slug: str = "vg-zell") -> tuple[str, str]:
    """A `make_account` person who dispatches letters of `slug`: (e-mail, id)."""
    email = make_account(provider)
    account_id = account_id_of(provider, email)
    give_roles(provider, account_id, [LETTER_DISPATCH], slug)
    return email, account_id


def make_bare_account(sessions: Callable[[], Session], *, now: datetime) -> str:
    """An account with a random e-mail address, no password and no attributes, on a session
    factory without an app (the service tests); returns its id."""
    with sessions() as db:
        account = create_account(
            db,
            hashing=FAST_HASHING,
            now=now,
            email=f"person-{secrets.token_hex(4)}@example.org",
            password=None,
            attributes={},
        )
        db.commit()
        return account.id


def start_browser_session(
    sessions: Callable[[], Session],
    *,
    account_id: str,
    level: TrustLevel,
    amr: list[str],
    now: datetime,
) -> tuple[str, ActiveSession]:
    """A committed browser session of the account: (cookie value, the session)."""
    with sessions() as db:
        cookie, active = start_session(db, account_id=account_id, level=level, amr=amr, now=now)
        db.commit()
    return cookie, active


class CountingHashing(PasswordHashing):
    """Fast argon2 that counts every verification (a `burn` is one too), thread-safely."""

    def __init__(self) -> None:
        super().__init__(
            memory_kib=FAST_ARGON2["argon2_memory_kib"], time_cost=FAST_ARGON2["argon2_time_cost"]
        )
        self._count_lock = threading.Lock()
        self.verified = 0
        #: The stored hashes verified against, in order (a `burn` shows the dummy hash).
        self.checked: list[str] = []

    def verify(self, stored_hash: str, password: str) -> tuple[bool, bool]:
        with self._count_lock:
            self.verified += 1
            self.checked.append(stored_hash)
        return super().verify(stored_hash, password)


class Browser:
    """A user agent on the in-process app: follows our redirects, fills our forms."""

    def __init__(self, http: TestClient, origin: str = "http://testserver") -> None:
        self.http = http
        self.origin = origin

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.http.get(url, follow_redirects=False, **kw)

    def post_form(
        self,
        url: str,
        data: dict[str, Any] | list[tuple[str, str]],
        page: httpx.Response | None = None,
    ) -> httpx.Response:
        if page is not None:
            token = CSRF.search(page.text)
            assert token, "page has no csrf_token"
            if isinstance(data, dict):
                data = {**data, "csrf_token": token.group(1)}
            else:
                data = [*data, ("csrf_token", token.group(1))]
        body = urlencode(list(data.items()) if isinstance(data, dict) else data)
        return self.http.post(
            url,
            content=body,
            follow_redirects=False,
            headers={"Origin": self.origin, "Content-Type": "application/x-www-form-urlencoded"},
        )

    def follow(self, response: httpx.Response, limit: int = 10) -> httpx.Response:
        """Follow redirects that stay on our server; stop at a redirect to a client."""
        for _ in range(limit):
            if response.status_code not in (302, 303):
                return response
            location = response.headers["location"]
            if location.startswith("http") and not location.startswith(self.origin):
                return response
            response = self.get(location)
        raise AssertionError("redirect loop")


@dataclass
class Rp:
    """A relying party: builds authorization requests and talks to the token endpoint."""

    http: TestClient
    client: RegisteredClient
    verifier: str = ""
    state: str = ""
    nonce: str = ""

    def authorize_url(self, scope: str = "openid profile email", **extra: str) -> str:
        self.verifier, challenge = pkce_pair()
        self.state, self.nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        params = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.client.redirect_uri,
            "scope": scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return "/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})

    def token(self, **form: str) -> httpx.Response:
        auth = (self.client.client_id, self.client.client_secret or "")
        return self.http.post("/token", data=form, auth=auth)

    def redeem(self, code: str) -> httpx.Response:
        return self.token(
            grant_type="authorization_code",
            code=code,
            redirect_uri=self.client.redirect_uri,
            code_verifier=self.verifier,
        )


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code in (302, 303), response.text[:500]
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {k: v[0] for k, v in query.items()}


def login_through_pages(
    browser: Browser, start: httpx.Response, email: str, password: str = PASSWORD
) -> httpx.Response:
    """From a response that leads to the login page: log in, return the next response."""
    page = browser.follow(start)
    assert page.status_code == 200 and 'name="password"' in page.text, page.text[:300]
    action = FORM_ACTION.search(page.text)
    assert action
    return browser.post_form(action.group(1), {"username": email, "password": password}, page)


def consent_through_page(
    browser: Browser,
    page: httpx.Response,
    *,
    claims: list[str] | None = None,
    decision: str = "allow",
) -> httpx.Response:
    assert 'name="decision"' in page.text, page.text[:300]
    action = re.search(r'<form[^>]*action="(/interaction/[^"]+/consent)"', page.text)
    assert action
    if claims is None:
        claims = re.findall(r'name="claims"[^>]*value="([^"]+)"', page.text) + re.findall(
            r'value="([^"]+)"[^>]*name="claims"', page.text
        )
    data = [("decision", decision)] + [("claims", c) for c in claims]
    return browser.post_form(action.group(1), data, page)


def full_login(
    browser: Browser, rp: Rp, email: str, *, scope: str = "openid profile email", **extra: str
) -> dict[str, str]:
    """Authorize → login → consent (if asked) → the callback parameters."""
    response = browser.get(rp.authorize_url(scope=scope, **extra))
    page = browser.follow(response)
    if 'name="password"' in page.text:
        page = browser.follow(login_through_pages(browser, page, email))
    if page.status_code == 200 and 'name="decision"' in page.text:
        page = consent_through_page(browser, page)
    return callback_params(page)


#: The dev-mode response header naming the worker process that answered (web.middleware).
WORKER_HEADER = "x-servicekonto-worker"


def workers_of(responses: list[httpx.Response]) -> set[str]:
    """The worker processes that answered these responses (dev mode: every response names one)."""
    names = {r.headers.get(WORKER_HEADER, "") for r in responses}
    assert "" not in names, "a response without the worker header: is the server in dev mode?"
    return names


def connect_to_every_worker(
    base_url: str,
    n: int,
    *,
    workers: int = 2,
    cookies: httpx.Cookies | None = None,
    timeout: float = 30.0,
) -> list[httpx.Client]:
    """n clients, each with an open keep-alive connection, taking turns over the `workers`
    worker processes of the server (client i talks to worker i % workers): which worker accepts
    a new connection is up to the kernel, so connections are opened until every worker holds
    its share, and the extra ones are closed. The caller closes the clients."""
    assert n >= workers
    share = -(-n // workers)
    by_worker: dict[str, list[httpx.Client]] = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        client = httpx.Client(base_url=base_url, timeout=timeout, cookies=cookies)
        answer = client.get("/healthz")
        held = by_worker.setdefault(workers_of([answer]).pop(), [])
        if len(held) < share:
            held.append(client)
        else:
            client.close()
        if len(by_worker) >= workers and all(len(c) >= share for c in by_worker.values()):
            break
    shares = sorted(len(c) for c in by_worker.values())
    if len(by_worker) != workers or shares[0] < share:
        for clients in by_worker.values():
            for client in clients:
                client.close()
        raise AssertionError(f"in 20 s connections reached {shares} of {workers} workers")
    queues = list(by_worker.values())
    chosen = [queues[i % workers].pop() for i in range(n)]
    for queue in queues:  # with n not a multiple of workers, one may hold one more
        for extra in queue:
            extra.close()
    return chosen


@contextmanager
def each_worker(base_url: str) -> Iterator[list[httpx.Client]]:
    """Fresh connections, one to each worker. Fresh each time: uvicorn closes a keep-alive
    connection after 5 s idle, and the client's next connection may reach the other worker."""
    clients = connect_to_every_worker(base_url, 2)
    try:
        yield clients
    finally:
        for http in clients:
            http.close()


def in_parallel(
    base_url: str,
    n: int,
    call: Callable[[httpx.Client, int], T],
    *,
    cookies: httpx.Cookies | None = None,
    timeout: float = 30.0,
) -> list[T]:
    """Run `call` n times at once on a two-worker server: one client per thread, connected in
    advance to both workers (so the barrier releases requests, not TCP handshakes, and the
    requests meet in both processes), all released by one barrier."""
    clients = connect_to_every_worker(base_url, n, cookies=cookies, timeout=timeout)
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return call(clients[i], i)

    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            return list(pool.map(run, range(n)))
    finally:
        for client in clients:
            client.close()


def confirm_by_page(browser: Browser, path: str) -> httpx.Response:
    """Open the mail's confirmation link and press its button (the POST confirms)."""
    page = browser.get(path)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    return browser.post_form("/register/confirm", {"token": token.group(1)}, page)


def decode_jwt(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    decoded = jwt.decode(
        token,
        KeySet.import_key_set(jwks),  # type: ignore[arg-type]
        algorithms=["ES256", "RS256", "PS256"],
    )
    return dict(decoded.header), dict(decoded.claims)


@functools.cache
def _catalogs() -> Catalogs:
    return Catalogs()


def page_text(code: str, lang: str = "de", **params: object) -> str:
    """The text a page shows for a `web.texts` code (an error, a notice) in `lang`."""
    return _catalogs().language(lang).text(TEXTS[code], **params)


def translated(msgid: str, lang: str) -> str:
    """A template's German source text as a page in `lang` shows it."""
    return _catalogs().language(lang).gettext(msgid)
