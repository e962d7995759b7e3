"""`servicekonto eid-mock cards|serve|reset-pins` (DESIGN §9)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from servicekonto.cli import app
from servicekonto.clock import SystemClock
from servicekonto.sim.eid_cards import TEST_CARDS
from servicekonto.sim.eid_server import MockEidServer
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"card_id", "label", "pin", "validity", "document_type", "issuing_state",
        "date_of_expiry", "given_names", "family_names", "birth_name", "academic_title",
        "date_of_birth", "place_of_birth", "nationality", "address", "place_of_residence",
        "not_on_chip"}


def test_cards_json_lists_every_test_card_with_its_pin() -> None:
    result = CliRunner().invoke(app, ["eid-mock", "cards", "--json"])
    assert result.exit_code == 0, result.output
    cards = json.loads(result.stdout)
    assert [c["card_id"] for c in cards] == [c.card_id for c in TEST_CARDS]
    for row, card in zip(cards, TEST_CARDS, strict=True):
        assert set(row) == KEYS
        assert row["pin"] == card.pin and re.fullmatch(r"[0-9]{6}", row["pin"])
        assert row["validity"] == card.validity.value
    erika = cards[0]
    assert erika | {"label": None} == {
        "card_id": "erika-mustermann", "label": None, "pin": "123456", "validity": "valid",
        "document_type": "ID", "issuing_state": "D", "date_of_expiry": "2031-10-31",
        "given_names": "ERIKA", "family_names": "MUSTERMANN", "birth_name": "GABLER",
        "academic_title": None, "date_of_birth": "1964-08-12", "place_of_birth": "BERLIN",
        "nationality": "D", "address": "HEIDESTRASSE 17, 51147 KÖLN, D",
        "place_of_residence": {"street": "HEIDESTRASSE 17", "zip_code": "51147",
                               "city": "KÖLN", "country": "D"},
        "not_on_chip": [],
    }
    validities = {c["card_id"]: c["validity"] for c in cards}
    assert validities["max-mustermann-abgelaufen"] == "expired"
    assert validities["lena-mustermann-gesperrt"] == "revoked"
    no_address = next(c for c in cards if c["card_id"] == "hans-mustermann-ohne-anschrift")
    assert no_address["address"] is None and no_address["not_on_chip"] == ["PlaceOfResidence"]


def test_cards_without_json_prints_one_line_per_card() -> None:
    result = CliRunner().invoke(app, ["eid-mock", "cards"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(TEST_CARDS)
    assert "erika-mustermann" in lines[0] and "123456" in lines[0]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")}
    return env | {"SERVICEKONTO_DEV_MODE": "true", "SERVICEKONTO_DATA_DIR": str(tmp_path)}


def test_reset_pins_unblocks_the_cards_in_the_data_dir(tmp_path: Path) -> None:
    state = MockEidServer(tmp_path / "eid-mock.sqlite3", simulator_base_url="http://x",
                          service_provider="ServiceKonto", clock=SystemClock().now,
                          refresh_prefixes=["http://rp.example/"])
    from servicekonto.eid.model import Operation, Requirement, UseIdRequest

    opened = state.use_id(UseIdRequest({Operation.GIVEN_NAMES: Requirement.REQUIRED},
                                       refresh_address="http://rp.example/back"))
    ticket = opened.client_url.rsplit("/", 1)[1]
    for pin in ("000000", "000001", "000002"):
        state.authenticate(ticket, "erika-mustermann", pin, set())
    assert state.tries_left("erika-mustermann") == 0
    result = CliRunner().invoke(app, ["eid-mock", "reset-pins"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert state.tries_left("erika-mustermann") == 3


def test_serve_answers_the_eid_interface(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "eid-mock.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "servicekonto.cli", "eid-mock", "serve", "--port", str(port)],
        cwd=ROOT, env=_env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "eID mock did not start"
            time.sleep(0.1)
        opened = httpx.post(f"{base}/eid/v1/useID", json={
            "UseOperations": {"GivenNames": "REQUIRED"},
            "RefreshAddress": "http://127.0.0.1:8000/eid/return/x"}).json()
        assert opened["eCardServerAddress"].startswith(f"{base}/simulator/")
        page = httpx.get(opened["eCardServerAddress"])
        assert page.status_code == 200 and "ServiceKonto" in page.text
        assert (tmp_path / "eid-mock.sqlite3").exists()
    finally:
        proc.terminate()
        proc.wait(10)
