"""Benchmark (not a test) of citizen registrations per second through a real server (issue 3).

    .venv/bin/python bench/registrations.py [--n 200] [--threads 8] [--workers 2] [--hashes 20]

Starts `servicekonto serve --workers 2` on a fresh SQLite database in a temporary directory, in
dev mode with the in-process register mock and the production argon2id parameters (the
SERVICEKONTO_ARGON2_* variables are removed from the environment). Then N distinct generated
residents of the register (`generate(62000)`, the 9 documented test persons skipped), each with
its own e-mail address, register from T client threads; each registration is GET /register and
POST /register, as a browser does. Reported: wall time and registrations per second, p50/p99/max
latency of the POST, and, as the bound, the argon2id rate of one core at the same parameters
(each registration hashes twice: the password and the letter's activation code).

Warm-up: the first registration a worker serves builds the in-memory register (about 1 s), so
two rounds of T concurrent registrations (other residents) run first and are not measured.

The table is printed and written to `bench/results/registrations-<date>.md`.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx

from servicekonto.app import build_provider
from servicekonto.cli import upgrade_database
from servicekonto.clock import SystemClock
from servicekonto.sim.register_data import generate
from servicekonto.register.model import Resident
from servicekonto.security.passwords import PasswordHashing
from servicekonto.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TEST_PERSONS = 9  # register records 1–9 are the README's test persons
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = httpx.Timeout(60.0)
#: argon2id memory (KiB) and iterations the server uses when nothing overrides them.
PRODUCTION_ARGON2 = (
    int(Settings.model_fields["argon2_memory_kib"].default),
    int(Settings.model_fields["argon2_time_cost"].default),
)


# -- the server ------------------------------------------------------------------------------------


def prepare_database(data_dir: Path) -> None:
    """Migrate the database and create the signing keys once, before the workers race for them."""
    # explicit values win over the caller's SERVICEKONTO_* variables; "" = the dev secret
    settings = Settings(dev_mode=True, data_dir=data_dir, database_url="", secret_key="")
    upgrade_database(settings)
    provider = build_provider(settings, SystemClock())
    provider.keys.ensure_keys()


def server_env(data_dir: Path, base_url: str) -> dict[str, str]:
    """Nothing of the caller's ServiceKonto configuration leaks in: production argon2 defaults,
    the embedded register mock (no register URL), SQLite in the data directory."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SERVICEKONTO_") and k != "SK_CRASH_AT"
    }
    env.update(
        {
            "SERVICEKONTO_DEV_MODE": "1",
            "SERVICEKONTO_ISSUER": base_url,
            "SERVICEKONTO_DATA_DIR": str(data_dir),
            "SERVICEKONTO_LOG_LEVEL": "WARNING",
        }
    )
    return env


# -- the clients -----------------------------------------------------------------------------------


def _form(resident: Resident, email: str) -> dict[str, str]:
    address = resident.address
    return {
        "email": email,
        "password": f"Mosel-Riesling-{resident.record_id[-6:]}-Bench",
        "given_name": resident.given_names,
        "family_name": resident.family_name,
        "birth_date": resident.birth_date.isoformat(),
        "street": address.street,
        "house_number": address.house_number,
        "postal_code": address.postal_code,
        "locality": address.locality,
        "privacy_consent": "yes",
    }


_clients = threading.local()


def _client(base_url: str) -> httpx.Client:
    """One keep-alive client (and cookie jar) per thread."""
    client: httpx.Client | None = getattr(_clients, "client", None)
    if client is None:
        client = httpx.Client(base_url=base_url, timeout=TIMEOUT)
        _clients.client = client
        _all_clients.append(client)
    return client


_all_clients: list[httpx.Client] = []


def register_one(base_url: str, form: dict[str, str]) -> float:
    """GET /register + POST /register; the POST's latency in seconds. Raises on a wrong answer."""
    http = _client(base_url)
    page = http.get("/register")
    token = CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"GET /register: {page.status_code}")
    started = time.perf_counter()
    response = http.post(
        "/register", data={**form, "csrf_token": token.group(1)}, headers={"Origin": base_url}
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 303 or response.headers.get("location") != "/register/done":
        raise RuntimeError(f"POST /register: {response.status_code} {response.text[:200]}")
    return elapsed


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def argon2_rate(hashes: int) -> float:
    """argon2id hashes per second on one core at the production parameters."""
    hashing = PasswordHashing(*PRODUCTION_ARGON2)
    hashing.hash("warm-up password")
    started = time.perf_counter()
    for i in range(hashes):
        hashing.hash(f"Mosel-Riesling-{i:06d}-Bench")
    return hashes / (time.perf_counter() - started)


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute(sql).fetchone()[0])


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="measured registrations")
    parser.add_argument("--threads", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--hashes", type=int, default=20, help="argon2id hashes for the bound")
    parser.add_argument("--residents", type=int, default=62_000)
    args = parser.parse_args()

    residents = generate(args.residents)[TEST_PERSONS:]
    warm_up_n = 2 * args.threads
    if len(residents) < args.n + warm_up_n:
        parser.error("not enough residents")
    run = f"{int(time.time())}"
    forms = [
        _form(r, f"bench-{run}-{i}@example.org")
        for i, r in enumerate(residents[: args.n + warm_up_n])
    ]
    warm_up, measured = forms[:warm_up_n], forms[warm_up_n:]

    with tempfile.TemporaryDirectory(prefix="sk-bench-") as tmp:
        data_dir = Path(tmp)
        prepare_database(data_dir)
        port = free_port()
        server = ServerProcess(
            server_env(data_dir, f"http://127.0.0.1:{port}"), port, workers=args.workers
        )
        server.start()
        try:
            with ThreadPoolExecutor(max_workers=args.threads) as pool:
                for start in range(0, warm_up_n, args.threads):  # rounds of `threads` at once
                    batch = warm_up[start : start + args.threads]
                    list(pool.map(lambda f: register_one(server.base_url, f), batch))
                started = time.perf_counter()
                latencies = list(pool.map(lambda f: register_one(server.base_url, f), measured))
                wall = time.perf_counter() - started
        finally:
            for client in _all_clients:
                client.close()
            server.stop()
        database = data_dir / "servicekonto.sqlite3"
        accounts = _count(database, "SELECT count(*) FROM accounts")
        letters = _count(database, "SELECT count(*) FROM letters WHERE status = 'queued'")

    hash_rate = argon2_rate(args.hashes)
    cores = len(os.sched_getaffinity(0))
    latencies.sort()
    per_second = len(measured) / wall
    rows = [
        (
            "registrations (measured)",
            f"{len(measured)}",
            f"+{warm_up_n} warm-up; {args.threads} client threads, {args.workers} workers",
        ),
        ("accounts / queued letters", f"{accounts} / {letters}", "incl. warm-up"),
        ("wall time", f"{wall:.2f} s", "GET /register + POST /register each"),
        ("registrations per second", f"{per_second:.1f}", ""),
        ("POST latency p50", f"{statistics.median(latencies) * 1000:.0f} ms", ""),
        ("POST latency p99", f"{_percentile(latencies, 0.99) * 1000:.0f} ms", ""),
        ("POST latency max", f"{latencies[-1] * 1000:.0f} ms", ""),
        (
            "argon2id hashes/s, one core",
            f"{hash_rate:.1f}",
            f"m={PRODUCTION_ARGON2[0]} KiB, t={PRODUCTION_ARGON2[1]}, p=1; {args.hashes} hashes",
        ),
        ("bound, one core", f"{hash_rate / 2:.1f} reg/s", "2 argon2id hashes per registration"),
        (
            f"bound, {cores} cores",
            f"{cores * hash_rate / 2:.1f} reg/s",
            "the client threads share these cores",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    table = ["| measure | value | note |", "|---|---:|---|"]
    table += [f"| {name} | {value} | {note} |" for name, value, note in rows]
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>14}  {note}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"registrations-{date.today().isoformat()}.md"
    target.write_text(
        f"# Registrations per second ({date.today().isoformat()})\n\n"
        f"`.venv/bin/python bench/registrations.py --n {args.n} --threads {args.threads} "
        f"--workers {args.workers}` — SQLite, dev mode, in-process register mock "
        f"({args.residents:,} residents), production argon2id parameters, on "
        f"{platform.machine()} with {cores} cores ({platform.python_implementation()} "
        f"{platform.python_version()}); server and clients on the same machine.\n\n"
        + "\n".join(table)
        + "\n",
        encoding="utf-8",
    )
    print(f"written to {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
