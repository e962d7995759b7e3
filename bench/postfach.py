"""Benchmark (not a test) of the Postfach (issue 13): deposits per second through HTTP on a real
server, and the Postfach list's latency with 100,000 messages in the database.

    .venv/bin/python bench/postfach.py [--seconds 10] [--threads 8] [--workers 2]
                                       [--messages 100000] [--list-calls 400] [--list-only]

1. A fresh SQLite database in a temporary directory (migrated, keys created); a Fachverfahren
   client (code flow + client credentials, `postfach:deliver`) and 200 people who signed in there
   and consented to `postfach`.
2. 100,000 messages inserted in bulk with SQL (not through the API): one person has 10,000 of
   them (a heavy Postfach), the rest are spread over the others (about 450 each); a tenth unread.
3. The list: `postfach.inbox.list_messages` — one page of 20, newest first, with the total and
   the unread count — called `--list-calls` times for random pages of the heavy Postfach, of its
   unread filter, and of typical Postfächer, on a read-only session as a request would. This is
   the query work of the list page; the pages themselves come with the citizen's side.
4. Deposits: `servicekonto serve --workers N` in dev mode on that database (attachments accepted
   unscanned, no clamd), one client-credentials token, `--threads` client threads posting to
   random recipients for `--seconds` after a 2 s warm-up, each deposit with its own
   Idempotency-Key: a plain-text message, then one with a PDF attachment.

Prints the table and writes `bench/results/postfach-<date>.md`; `--list-only` skips the server
and the deposits (step 4) and writes `bench/results/postfach-list-<date>.md`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package
from registrations import server_env
from tests.conftest import ServerProcess, free_port

from servicekonto.accounts.service import create_account
from servicekonto.app import build_provider
from servicekonto.cli import upgrade_database
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.clients.subjects import remember_subject
from servicekonto.clock import SystemClock
from servicekonto.consent.service import grant
from servicekonto.db.base import new_id
from servicekonto.db.models import PostfachMessage
from servicekonto.postfach import inbox
from servicekonto.postfach.access import personal
from servicekonto.postfach.delivery import delivered_counts_at
from servicekonto.settings import Settings
from servicekonto.sim.demo_postfach import bescheid_pdf

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PEOPLE = 200
HEAVY = 10_000
FAST_ARGON2 = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}


def _settings(data_dir: Path) -> Settings:
    return Settings(dev_mode=True, data_dir=data_dir, database_url="", secret_key="",
                    issuer="http://127.0.0.1", outbox_interval_seconds=0, **FAST_ARGON2)


def seed(data_dir: Path, messages: int) -> tuple[str, str, list[tuple[str, str]]]:
    """(client_id, secret, [(account id, sub)]); the first person is the heavy Postfach."""
    settings = _settings(data_dir)
    upgrade_database(settings)
    provider = build_provider(settings, SystemClock())
    provider.keys.ensure_keys()
    now = provider.clock.now()
    people: list[tuple[str, str]] = []
    with provider.sessions() as db:
        created = create_client(db, spec=ClientCreate(
            name="Bench-Fachverfahren", redirect_uris=["https://fv.example/cb"],
            grant_types=["authorization_code", "client_credentials"],
            scopes=["openid", "postfach", "postfach:deliver"]), now=now)
        for i in range(PEOPLE):
            account = create_account(
                db, hashing=provider.hashing, now=now, email=f"person{i}@bench.example",
                password=secrets.token_urlsafe(12), email_verified=True,
                attributes={"given_name": "Bench", "family_name": f"Person {i}"})
            sub = f"sub-{i:04d}"
            remember_subject(db, account_id=account.id, client_id=created.client_id, subject=sub)
            grant(db, account_id=account.id, client_id=created.client_id,
                  scopes={"openid", "postfach"}, claims=set(), now=now)
            people.append((account.id, sub))
        db.commit()
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    base = now - timedelta(days=730)
    with provider.sessions() as db:
        for n in range(messages):
            owner = people[0][0] if n < HEAVY else people[1 + n % (PEOPLE - 1)][0]
            at = base + timedelta(seconds=random.randrange(730 * 86400))
            rows.append({
                "id": new_id(), "account_id": owner, "client_id": created.client_id,
                "title": f"Bescheid Nr. {n}", "content": "Guten Tag,\nanbei Ihr Bescheid.",
                "sender": "Verbandsgemeinde Cochem", "service": "Hundeanmeldung",
                "application_id": f"app-{n % 5000}", "reference": f"R-{n}",
                "min_level": "substantial", "created_at": at,
                "delivered_counts_at": delivered_counts_at(at),
                "read_at": None if n % 10 == 0 else at + timedelta(days=1),
            })
            if len(rows) == 5000:
                db.execute(insert(PostfachMessage), rows)
                rows = []
        if rows:
            db.execute(insert(PostfachMessage), rows)
        db.commit()
    print(f"  seeded {messages} messages in {time.perf_counter() - started:.1f} s")
    with provider.sessions() as db:
        engine = db.get_bind()
    engine.dispose()  # type: ignore[union-attr]
    return created.client_id, created.client_secret or "", people


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


def bench_list(data_dir: Path, people: list[tuple[str, str]], calls: int
               ) -> list[tuple[str, float, float, float]]:
    provider = build_provider(_settings(data_dir), SystemClock())
    heavy = personal(people[0][0])
    results = []
    scenarios: list[tuple[str, Any]] = [
        (f"heavy Postfach ({HEAVY:,} messages), random page of 20",
         lambda db: inbox.list_messages(db, box=heavy, page=random.randint(1, HEAVY // 20))),
        ("heavy Postfach, unread only, random page",
         lambda db: inbox.list_messages(db, box=heavy, unread_only=True,
                                        page=random.randint(1, HEAVY // 200))),
        ("typical Postfach (~450 messages), first page",
         lambda db: inbox.list_messages(db, box=personal(random.choice(people[1:])[0]))),
    ]
    for label, call in scenarios:
        samples = []
        for i in range(calls + 20):
            with provider.reading() as db:
                started = time.perf_counter()
                page = call(db)
                elapsed = (time.perf_counter() - started) * 1000
            assert page.items, label
            if i >= 20:  # warm-up
                samples.append(elapsed)
        results.append((label, *_percentiles(samples)))
    return results


def bench_deposits(server: ServerProcess, client_id: str, secret: str,
                   people: list[tuple[str, str]], *, threads: int, seconds: float,
                   attachment: bool) -> tuple[float, int, int, float, float, float]:
    token = httpx.post(f"{server.base_url}/token", data={"grant_type": "client_credentials"},
                       auth=(client_id, secret)).json()["access_token"]
    pdf = bescheid_pdf()
    files = [{"filename": "Bescheid.pdf", "content_type": "application/pdf",
              "content": base64.b64encode(pdf).decode(),
              "sha512": hashlib.sha512(pdf).hexdigest()}] if attachment else []
    headers = {"Authorization": f"Bearer {token}"}
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]

    def worker(measure_from: float, until: float) -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as http:
            while (now := time.perf_counter()) < until:
                body = {"recipient": {"sub": random.choice(people)[1]},
                        "title": "Ihr Bescheid", "content": "Guten Tag,\nanbei Ihr Bescheid.",
                        "sender": "Verbandsgemeinde Cochem", "service": "Hundeanmeldung",
                        "attachments": files}
                response = http.post("/api/v1/postfach/messages", json=body, headers={
                    **headers, "Idempotency-Key": secrets.token_hex(16)})
                elapsed = time.perf_counter() - now
                if now >= measure_from:
                    with lock:
                        if response.status_code == 201:
                            latencies.append(elapsed * 1000)
                        else:
                            failures[0] += 1

    start = time.perf_counter()
    measure_from, until = start + 2, start + 2 + seconds
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker, measure_from, until)
    p50, p99, worst = _percentiles(latencies)
    return len(latencies) / seconds, len(latencies), failures[0], p50, p99, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--list-calls", type=int, default=400)
    parser.add_argument("--list-only", action="store_true",
                        help="measure the list only (no server, no deposits)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sk-bench-postfach-") as tmp:
        data_dir = Path(tmp)
        print(f"Postfach benchmark: {args.messages:,} messages, {PEOPLE} people")
        client_id, secret, people = seed(data_dir, args.messages)
        listing = bench_list(data_dir, people, args.list_calls)
        if args.list_only:
            _report(args, [], listing, name="postfach-list")
            return
        port = free_port()
        env = server_env(data_dir, f"http://127.0.0.1:{port}") | {
            "SERVICEKONTO_UPLOAD_SCAN_REQUIRED": "false",
            "SERVICEKONTO_ARGON2_MEMORY_KIB": "1024", "SERVICEKONTO_ARGON2_TIME_COST": "1",
        }
        server = ServerProcess(env, port, workers=args.workers)
        server.start()
        try:
            deposits = [
                (label, bench_deposits(server, client_id, secret, people, threads=args.threads,
                                       seconds=args.seconds, attachment=attachment))
                for label, attachment in (("text only", False), ("with a PDF attachment", True))
            ]
        finally:
            server.stop()
    _report(args, deposits, listing, name="postfach")


def _report(args: argparse.Namespace, deposits: list[tuple[str, Any]],
            listing: list[tuple[str, float, float, float]], *, name: str) -> None:
    setup = (f"SQLite, `serve --workers {args.workers}`, {args.threads} client threads on the "
             f"same machine, {args.seconds:.0f} s per scenario after 2 s warm-up."
             if deposits else "SQLite, the list only (`--list-only`).")
    lines = [
        f"# Postfach benchmark {date.today().isoformat()}",
        "",
        f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        + setup,
        "",
    ]
    if deposits:
        lines += [
            "| deposits (HTTP, real server) | per second | ok | failed | p50 ms | p99 ms "
            "| max ms |",
            "|---|---|---|---|---|---|---|",
            *(f"| {label} | {rate:.1f} | {ok} | {failed} | {p50:.1f} | {p99:.1f} | {worst:.1f} |"
              for label, (rate, ok, failed, p50, p99, worst) in deposits),
            "",
        ]
    lines += [
        f"| Postfach list, {args.messages:,} messages in the database "
        f"({args.list_calls} calls each) | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|",
        *(f"| {label} | {p50:.2f} | {p99:.2f} | {worst:.2f} |"
          for label, p50, p99, worst in listing),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}-{date.today().isoformat()}.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
