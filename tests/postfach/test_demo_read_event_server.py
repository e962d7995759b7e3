"""Issue 13 "Done means" on a real `servicekonto serve` (two workers, dev mode), as on
`make run`: after the demo seed, Anna's Bescheid is read, and the server's own outbox worker
delivers the signed "read" event over loopback to the demo Fachverfahren's receiver page, which
lists it as verified — whichever worker sends, receives or renders."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from sqlalchemy import Engine, select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.app import build_provider
from servicekonto.clock import SystemClock
from servicekonto.db.models import Account
from servicekonto.postfach import inbox
from servicekonto.postfach.access import personal
from servicekonto.sim.demo_seed import seed
from tests.conftest import ServerProcess

ANNA = "anna.schmitz@demo.servicekonto.example"


def test_the_servers_outbox_worker_delivers_the_read_event_to_the_demo_fachverfahren(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(workers=2, OUTBOX_INTERVAL_SECONDS="0.2")
    provider = build_provider(server.settings(), SystemClock())
    try:
        with provider.sessions() as db:
            seeded = seed(db, settings=provider.settings, hashing=provider.hashing,
                          now=provider.clock.now())
            db.commit()
        message_id = seeded["postfach"]["message_id"]
        with provider.sessions() as db:  # Anna opens it after the step-up
            anna = db.scalars(select(Account.id).where(Account.email == ANNA)).one()
            inbox.open_message(db, box=personal(anna), message_id=message_id,
                               session_level=TrustLevel.SUBSTANTIAL, now=provider.clock.now())
            db.commit()

        deadline = time.monotonic() + 30
        page = ""
        while time.monotonic() < deadline:
            page = httpx.get(f"{server.base_url}/demo-fachverfahren", timeout=10).text
            if "Nachricht gelesen" in page:
                break
            time.sleep(0.2)
        assert "Nachricht gelesen" in page, page[-2000:]
        read_row = page.split("Nachricht gelesen", 1)[1].split("</tr>", 1)[0]
        assert "geprüft" in read_row and message_id in read_row
        assert "Zustellung abgelehnt" not in page
    finally:
        with provider.sessions() as db:
            engine = db.get_bind()
        assert isinstance(engine, Engine)
        engine.dispose()
