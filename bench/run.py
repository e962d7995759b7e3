"""`make bench`: ServiceKonto against the peer providers of ../shared/peers, in one run, on one
machine, with the same number of worker processes (DESIGN §10). Not a test.

    .venv/bin/python bench/run.py [--seconds 10] [--connections 64] [--workers 2] [--no-peers]

What runs, in this order (each wrk scenario: a 2 s warm-up, then `--seconds` measured):
1. argon2id verifications per second on one core at the production parameters: the bound of
   password logins (one verification per login).
2. ServiceKonto (`servicekonto serve --workers N`, SQLite in a temporary folder, production argon2,
   dev mode for plain http on loopback): discovery, JWKS, client_credentials (JWT, ES256),
   introspection of that JWT, userinfo, refresh (rotating: each refresh token is spent once),
   and full password-login flows (authorize → login form → consent already given → code →
   token → userinfo) from Python clients with a fresh cookie jar per flow.
3. node-oidc-provider with JWT (ES256) access tokens: discovery, JWKS, client_credentials; then
   with opaque tokens (it cannot introspect its JWTs): client_credentials and introspection.
4. django-oauth-toolkit under gunicorn (client secret stored in plain): discovery, JWKS,
   client_credentials, introspection.
Load: wrk with `--connections` connections on 2 threads, on the same machine (so the driver
shares the cores with the server — equally for every provider).

Prints the comparison and writes `bench/results/<date>.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import platform
import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
import peers
from load import LoadResult, Request, run_wrk
from registrations import PRODUCTION_ARGON2, prepare_database, server_env
from tests.conftest import ServerProcess, free_port
from tests.support import CSRF, FORM_ACTION, pkce_pair

from servicekonto.accounts.service import create_account
from servicekonto.app import build_provider
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.clock import SystemClock
from servicekonto.security.passwords import PasswordHashing
from servicekonto.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
REDIRECT_URI = "http://127.0.0.1:9/cb"  # never contacted: the flow stops at the redirect
PASSWORD = "Moselschleife-Bench-2026"
WEB_SCOPE = "openid profile email offline_access"
THREADS = 2


@dataclass
class Table:
    """scenario → provider → result; scenarios keep their insertion order."""

    rows: dict[str, dict[str, LoadResult]] = field(default_factory=dict)

    def add(self, scenario: str, provider: str, result: LoadResult) -> None:
        self.rows.setdefault(scenario, {})[provider] = result
        print(
            f"  {provider:<22} {scenario:<34} {result.per_second:>9.0f} req/s"
            f"  p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms"
            + (f"  FAILED {result.failed}" if result.failed else ""),
            flush=True,
        )


# -- the argon2 bound --------------------------------------------------------------------------


def argon2_verify_rate(verifications: int) -> float:
    """argon2id verifications per second on one core at the production parameters."""
    hashing = PasswordHashing(*PRODUCTION_ARGON2)
    stored = hashing.hash(PASSWORD)
    hashing.verify(stored, PASSWORD)
    started = time.perf_counter()
    for _ in range(verifications):
        hashing.verify(stored, PASSWORD)
    return verifications / (time.perf_counter() - started)


# -- ServiceKonto: seeding and tokens ------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    machine: tuple[str, str]  # client_credentials client: id, secret
    web: tuple[str, str]  # authorization_code + refresh_token client
    emails: list[str]


def seed(data_dir: Path, base_url: str, accounts: int) -> Seeded:
    """Clients and accounts, written before the server starts (production argon2 hashes)."""
    settings = Settings(
        dev_mode=True, data_dir=data_dir, database_url="", secret_key="", issuer=base_url
    )
    provider = build_provider(settings, SystemClock())
    now = provider.clock.now()
    with provider.sessions() as db:
        machine = create_client(
            db,
            spec=ClientCreate(
                name="Bench Fachverfahren",
                grant_types=["client_credentials"],
                scopes=["postfach"],
            ),
            now=now,
        )
        web = create_client(
            db,
            spec=ClientCreate(
                name="Bench Portal",
                redirect_uris=[REDIRECT_URI],
                grant_types=["authorization_code", "refresh_token"],
                scopes=WEB_SCOPE.split(),
            ),
            now=now,
        )
        emails = [f"bench-{i}@example.org" for i in range(accounts)]
        for email in emails:
            create_account(
                db,
                hashing=provider.hashing,
                now=now,
                email=email,
                password=PASSWORD,
                email_verified=True,
                attributes={"given_name": "Erika", "family_name": "Mustermann"},
            )
        db.commit()
    assert machine.client_secret and web.client_secret
    return Seeded(
        (machine.client_id, machine.client_secret), (web.client_id, web.client_secret), emails
    )


def basic(client: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()


async def login_flow(http: httpx.AsyncClient, base_url: str, web: tuple[str, str], email: str,
                     *, first: bool = False) -> dict[str, str]:
    """authorize → login form → (consent, on the `first` login only) → code → token →
    userinfo, in a fresh cookie jar; returns the token response. Raises on a wrong answer."""
    http.cookies.clear()
    verifier, challenge = pkce_pair()
    query = urlencode({
        "response_type": "code",
        "client_id": web[0],
        "redirect_uri": REDIRECT_URI,
        "scope": WEB_SCOPE,
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    })
    response = await http.get(f"/authorize?{query}")
    while response.status_code in (302, 303) and response.headers["location"].startswith("/"):
        response = await http.get(response.headers["location"])
    token, action = CSRF.search(response.text), FORM_ACTION.search(response.text)
    if response.status_code != 200 or token is None or action is None:
        raise RuntimeError(f"no login page: {response.status_code}")
    response = await http.post(
        action.group(1),
        data={"username": email, "password": PASSWORD,
              "csrf_token": token.group(1)},
        headers={"Origin": base_url},
    )
    while response.status_code in (302, 303) and response.headers["location"].startswith("/"):
        response = await http.get(response.headers["location"])
    if first and response.status_code == 200 and 'name="decision"' in response.text:
        response = await _consent(http, base_url, response)
    location = response.headers.get("location", "")
    code = parse_qs(urlsplit(location).query).get("code", [""])[0]
    if not location.startswith(REDIRECT_URI) or not code:
        raise RuntimeError(f"no code: {response.status_code} {location[:80]}")
    tokens = await http.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
              "code_verifier": verifier},
        auth=web,
    )
    if tokens.status_code != 200:
        raise RuntimeError(f"token: {tokens.status_code} {tokens.text[:200]}")
    body: dict[str, str] = tokens.json()
    userinfo = await http.get(
        "/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    if userinfo.status_code != 200:
        raise RuntimeError(f"userinfo: {userinfo.status_code}")
    return body


async def _consent(http: httpx.AsyncClient, base_url: str, page: httpx.Response
                   ) -> httpx.Response:
    action = re.search(r'<form[^>]*action="(/interaction/[^"]+/consent)"', page.text)
    token = CSRF.search(page.text)
    assert action and token
    claims = re.findall(r'name="claims"[^>]*value="([^"]+)"', page.text)
    data = [("decision", "allow"), ("csrf_token", token.group(1))]
    data += [("claims", claim) for claim in claims]
    # a repeated field (claims) needs the encoded body: httpx's `data` takes a mapping only
    return await http.post(
        action.group(1),
        content=urlencode(data),
        headers={"Origin": base_url, "Content-Type": "application/x-www-form-urlencoded"},
    )


async def _issue_tokens(base_url: str, seeded: Seeded, count: int) -> list[dict[str, str]]:
    """`count` independent token responses (each its own refresh-token family)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        # the first login of each account gives consent; later ones skip the consent page
        for email in seeded.emails:
            await login_flow(http, base_url, seeded.web, email, first=True)
        results = []
        for i in range(count):
            results.append(
                await login_flow(http, base_url, seeded.web, seeded.emails[i % len(seeded.emails)])
            )
        return results


async def _login_load(base_url: str, seeded: Seeded, *, concurrency: int, seconds: float
                      ) -> LoadResult:
    """Full password-login flows from `concurrency` simulated browsers for `seconds`."""
    latencies: list[float] = []
    failures = 0
    reasons: Counter[str] = Counter()
    deadline = time.monotonic() + seconds

    async def browser(index: int) -> None:
        nonlocal failures
        email = seeded.emails[index % len(seeded.emails)]
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    await login_flow(http, base_url, seeded.web, email)
                except (RuntimeError, httpx.HTTPError) as error:
                    failures += 1
                    reasons[str(error)[:60] or type(error).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    await asyncio.gather(*(browser(i) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    for reason, count in reasons.most_common(3):
        print(f"  login failures: {count} × {reason}", flush=True)
    latencies.sort()

    def pick(quantile: float) -> float:
        """The latency at `quantile` in ms (0 without any flow)."""
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(quantile * len(latencies)))] * 1000

    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        status_errors=failures,
        socket_errors=0,
        p50_ms=pick(0.5),
        p90_ms=pick(0.9),
        p99_ms=pick(0.99),
        max_ms=latencies[-1] * 1000 if latencies else 0.0,
    )


def worker_rss_mib(server: ServerProcess) -> list[float]:
    """Resident memory of the server's worker processes (the master's children), in MiB."""
    assert server.proc is not None
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if f"\nPPid:\t{server.proc.pid}\n" in status:
            kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            sizes.append(kib / 1024)
    return sorted(sizes)


# -- the scenarios ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    seconds: float
    connections: int
    workers: int
    login_concurrency: int


def measure(table: Table, provider: str, scenario: str, request: Request, options: Options,
            *, warm_up: bool = True) -> LoadResult:
    if warm_up:
        run_wrk(request, connections=options.connections, threads=THREADS, seconds=2)
    result = run_wrk(
        request, connections=options.connections, threads=THREADS, seconds=options.seconds
    )
    table.add(scenario, provider, result)
    return result


def bench_servicekonto(table: Table, options: Options, notes: list[str]) -> None:
    name = "ServiceKonto"
    with tempfile.TemporaryDirectory(prefix="sk-bench-") as tmp:
        data_dir = Path(tmp)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        prepare_database(data_dir)
        seeded = seed(data_dir, base_url, accounts=max(16, options.login_concurrency))
        env = server_env(data_dir, base_url)
        # the per-IP login limit would otherwise throttle a load generator on one address
        env["SERVICEKONTO_LOGIN_RATE_PER_MINUTE"] = "10000000"
        server = ServerProcess(env, port, workers=options.workers)
        server.start()
        try:
            metadata = httpx.get(f"{base_url}/.well-known/openid-configuration").json()
            discovery = Request(f"{base_url}/.well-known/openid-configuration")
            measure(table, name, "discovery", discovery, options)
            measure(table, name, "JWKS", Request(str(metadata["jwks_uri"])), options)
            token_url = str(metadata["token_endpoint"])
            cc = Request(token_url, "POST", "grant_type=client_credentials",
                         basic(seeded.machine))
            cc_result = measure(table, name, "client_credentials (JWT ES256)", cc, options)
            machine_token = httpx.post(
                token_url, data={"grant_type": "client_credentials"}, auth=seeded.machine
            ).json()["access_token"]
            measure(table, name, "introspection",
                    Request(str(metadata["introspection_endpoint"]), "POST",
                            urlencode({"token": machine_token}), basic(seeded.machine)),
                    options)
            # one token response per connection (plus the warm-up's) keeps every refresh token
            # single-use; a batch per measured run
            batches = asyncio.run(
                _issue_tokens(base_url, seeded, 2 * options.connections)
            )
            measure(table, name, "userinfo",
                    Request(str(metadata["userinfo_endpoint"]),
                            authorization=f"Bearer {batches[0]['access_token']}"),
                    options)
            refresh_results = []
            for label, part in (("warm-up", batches[: options.connections]),
                                ("measured", batches[options.connections:])):
                tokens_file = data_dir / f"refresh-{label}.txt"
                tokens_file.write_text("\n".join(b["refresh_token"] for b in part) + "\n")
                request = Request(token_url, "POST", "grant_type=refresh_token",
                                  basic(seeded.web), rotate_file=tokens_file)
                if label == "warm-up":
                    run_wrk(request, connections=options.connections, threads=THREADS, seconds=2)
                else:
                    refresh_results.append(
                        measure(table, name, "refresh (rotating)", request, options,
                                warm_up=False)
                    )
            login = asyncio.run(_login_load(base_url, seeded,
                                            concurrency=options.login_concurrency,
                                            seconds=max(options.seconds, 10)))
            table.add("password-login flow", name, login)
            issued = cc_result.requests + refresh_results[0].requests + login.requests
            rss = worker_rss_mib(server)
            notes.append(
                f"ServiceKonto worker RSS after the run ({issued:,} tokens issued in the measured"
                f" runs alone): {', '.join(f'{r:.0f} MiB' for r in rss)}."
            )
        finally:
            server.stop()
            if any(r.get(name) and r[name].failed for r in table.rows.values()):
                print(f"server log tail:\n{server.log.read_text()[-3000:]}", file=sys.stderr)


def bench_node_op(table: Table, options: Options) -> None:
    with peers.node_op(port=free_port(), workers=options.workers, token_format="jwt") as peer:
        name = "node-oidc-provider"
        measure(table, name, "discovery",
                Request(f"{peer.base_url}/.well-known/openid-configuration"), options)
        measure(table, name, "JWKS", Request(peer.endpoint("jwks_uri")), options)
        measure(table, name, "client_credentials (JWT ES256)",
                Request(peer.endpoint("token_endpoint"), "POST", "grant_type=client_credentials",
                        basic((peers.CLIENT_ID, peers.CLIENT_SECRET))), options)
    with peers.node_op(port=free_port(), workers=options.workers, token_format="opaque") as peer:
        name = "node-oidc-provider"
        auth = basic((peers.CLIENT_ID, peers.CLIENT_SECRET))
        token_url = peer.endpoint("token_endpoint")
        measure(table, name, "client_credentials (opaque)",
                Request(token_url, "POST", "grant_type=client_credentials", auth), options)
        token = httpx.post(token_url, data={"grant_type": "client_credentials"},
                           auth=(peers.CLIENT_ID, peers.CLIENT_SECRET)).json()["access_token"]
        measure(table, name, "introspection",
                Request(peer.endpoint("introspection_endpoint"), "POST",
                        urlencode({"token": token}), auth), options)


def bench_dot(table: Table, options: Options) -> None:
    with peers.dot(port=free_port(), workers=options.workers) as peer:
        name = "django-oauth-toolkit"
        auth = basic((peers.CLIENT_ID, peers.CLIENT_SECRET))
        measure(table, name, "discovery",
                Request(f"{peer.base_url}/.well-known/openid-configuration"), options)
        measure(table, name, "JWKS", Request(peer.endpoint("jwks_uri")), options)
        token_url = peer.endpoint("token_endpoint")
        measure(table, name, "client_credentials (opaque)",
                Request(token_url, "POST", "grant_type=client_credentials", auth), options)
        token = httpx.post(token_url, data={"grant_type": "client_credentials"},
                           auth=(peers.CLIENT_ID, peers.CLIENT_SECRET)).json()["access_token"]
        # DOT does not list its introspection endpoint in the discovery document
        measure(table, name, "introspection",
                Request(f"{peer.base_url}/introspect/", "POST", urlencode({"token": token}),
                        auth), options)


# -- the report --------------------------------------------------------------------------------

#: our scenario → (peer, peer scenario, target ratio or None, how the pair compares)
COMPARISONS: list[tuple[str, str, str, float | None, str]] = [
    ("discovery", "node-oidc-provider", "discovery", 0.5, ""),
    ("discovery", "django-oauth-toolkit", "discovery", None, ""),
    ("JWKS", "node-oidc-provider", "JWKS", 0.5, ""),
    ("JWKS", "django-oauth-toolkit", "JWKS", None, ""),
    ("client_credentials (JWT ES256)", "node-oidc-provider", "client_credentials (JWT ES256)",
     1.0, ""),
    ("client_credentials (JWT ES256)", "django-oauth-toolkit", "client_credentials (opaque)",
     5.0, "DOT issues opaque tokens only"),
    ("introspection", "node-oidc-provider", "introspection", 1.0,
     "ours: a signed JWT; the peer: an opaque token (it cannot introspect its JWTs)"),
    ("introspection", "django-oauth-toolkit", "introspection", None, ""),
    ("userinfo", "node-oidc-provider", "introspection", 1.0,
     "the peer serves no userinfo for machine tokens; its introspection is the nearest"
     " read-a-token path"),
]


def report(table: Table, options: Options, argon2_rate: float, notes: list[str]) -> str:
    cores = len(os.sched_getaffinity(0))
    lines = [
        f"# ServiceKonto against peer providers ({date.today().isoformat()})",
        "",
        f"`make bench` — {options.workers} worker processes each, wrk with"
        f" {options.connections} connections on {THREADS} threads, {options.seconds:.0f} s per"
        f" scenario after a 2 s warm-up; {platform.machine()} with {cores} cores,"
        f" CPython {platform.python_version()}; load generator and servers on the same machine."
        " ServiceKonto on SQLite, production argon2id parameters.",
        "",
        "## Throughput and latency",
        "",
        "| scenario | provider | req/s | p50 ms | p99 ms | failed |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for scenario, by_provider in table.rows.items():
        for provider, result in by_provider.items():
            lines.append(
                f"| {scenario} | {provider} | {result.per_second:,.0f} | {result.p50_ms:.1f}"
                f" | {result.p99_ms:.1f} | {result.failed} |"
            )
    lines += ["", "## Ratios (ServiceKonto ÷ peer, same run)", "",
              "| scenario | peer (its scenario) | ratio | target | met | note |",
              "|---|---|---:|---:|---|---|"]
    ours = {s: r["ServiceKonto"] for s, r in table.rows.items() if "ServiceKonto" in r}
    for scenario, peer, peer_scenario, target, note in COMPARISONS:
        mine, theirs = ours.get(scenario), table.rows.get(peer_scenario, {}).get(peer)
        if mine is None or theirs is None or not theirs.per_second:
            continue
        ratio = mine.per_second / theirs.per_second
        met = "—" if target is None else ("yes" if ratio >= target else "**no**")
        lines.append(
            f"| {scenario} | {peer} ({peer_scenario}) | {ratio:.2f} |"
            f" {'' if target is None else f'≥ {target:g}'} | {met} | {note} |"
        )
    login = ours.get("password-login flow")
    workers_cores = min(options.workers, cores)
    bound = argon2_rate * workers_cores
    lines += ["", "## Password logins against the argon2id bound", ""]
    lines.append(
        f"argon2id (m={PRODUCTION_ARGON2[0]} KiB, t={PRODUCTION_ARGON2[1]}, p=1) on one core:"
        f" {argon2_rate:.1f} verifications/s; bound for {workers_cores} busy cores:"
        f" {bound:.1f} logins/s (one verification per login)."
    )
    if login is not None:
        share = login.per_second / bound if bound else 0.0
        lines.append(
            f"Full flows: {login.per_second:.1f}/s with {options.login_concurrency} browsers"
            f" (p50 {login.p50_ms:.0f} ms, p99 {login.p99_ms:.0f} ms, {login.failed} failed) ="
            f" **{share:.0%} of the bound** (target ≥ 60 %)."
        )
    lines += ["", "## Latency target (p99 < 50 ms at the connection count above)", ""]
    for scenario in ("client_credentials (JWT ES256)", "introspection", "userinfo"):
        if scenario in ours:
            p99 = ours[scenario].p99_ms
            lines.append(f"- {scenario}: p99 {p99:.1f} ms — {'met' if p99 < 50 else '**not met**'}")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per scenario")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per provider")
    parser.add_argument("--login-concurrency", type=int, default=16,
                        help="simulated browsers in the password-login scenario")
    parser.add_argument("--no-peers", action="store_true", help="measure ServiceKonto only")
    args = parser.parse_args()
    options = Options(args.seconds, args.connections, args.workers, args.login_concurrency)

    print("argon2id bound …", flush=True)
    argon2_rate = argon2_verify_rate(40)
    table, notes = Table(), []
    print("ServiceKonto …", flush=True)
    bench_servicekonto(table, options, notes)
    if not args.no_peers:
        print("node-oidc-provider …", flush=True)
        bench_node_op(table, options)
        print("django-oauth-toolkit …", flush=True)
        bench_dot(table, options)
    text = report(table, options, argon2_rate, notes)
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{date.today().isoformat()}.md"
    target.write_text(text)
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
