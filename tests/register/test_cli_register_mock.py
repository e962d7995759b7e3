"""`servicekonto register-mock sample|serve` (DESIGN §9): sample persons carry the registration
form's field names and can register; the standalone server answers the documented API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from typer.testing import CliRunner

from servicekonto.cli import app
from servicekonto.register.model import PersonQuery
from servicekonto.sim.register_data import TEST_PERSONS
from servicekonto.sim.register_mock import default_register
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
FORM_FIELDS = {"given_name", "family_name", "birth_date", "street", "house_number",
               "postal_code", "locality"}
EXTRA_FIELDS = {"birth_name", "place_of_birth", "record_id"}


def _sample(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(app, ["register-mock", "sample", "--json", *args])
    assert result.exit_code == 0, result.output
    people: list[dict[str, object]] = json.loads(result.stdout)
    return people


def test_sample_json_shape() -> None:
    people = _sample("--n", "5")
    assert len(people) == 5
    for person in people:
        assert set(person) == FORM_FIELDS | EXTRA_FIELDS
        assert all(isinstance(person[k], str) and person[k] for k in FORM_FIELDS)
        date.fromisoformat(str(person["birth_date"]))
    assert people[0] == {
        "given_name": "Anna Maria",
        "family_name": "Schmitz",
        "birth_date": "1984-03-12",
        "street": "Moselpromenade",
        "house_number": "12",
        "postal_code": "56812",
        "locality": "Cochem",
        "birth_name": None,
        "place_of_birth": "Cochem",
        "record_id": TEST_PERSONS[0].record_id,
    }
    assert people[2]["birth_name"] == "Schneider"


def test_sample_persons_can_register_against_the_embedded_register() -> None:
    """Typed exactly as printed, every sample person is found in the default register."""
    people = _sample("--n", "25")
    assert [p["record_id"] for p in people[: len(TEST_PERSONS)]] == [
        p.record_id for p in TEST_PERSONS
    ]
    register = default_register()
    for person in people:
        typed = PersonQuery(
            given_names=str(person["given_name"]),
            family_name=str(person["family_name"]),
            birth_date=date.fromisoformat(str(person["birth_date"])),
            street=str(person["street"]),
            house_number=str(person["house_number"]),
            postal_code=str(person["postal_code"]),
            locality=str(person["locality"]),
        )
        result = register.match(typed)
        assert result.resident is not None, person
        assert result.resident.record_id == person["record_id"]


def test_sample_without_json_prints_one_line_per_person() -> None:
    result = CliRunner().invoke(app, ["register-mock", "sample", "--n", "3"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert "Anna Maria Schmitz" in lines[0]


def test_serve_answers_the_register_api(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "register-mock.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "servicekonto.cli", "register-mock", "serve", "--port", str(port),
         "--residents", "500", "--seed", "7", "--i-know-this-is-a-mock"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
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
            assert proc.poll() is None, (tmp_path / "register-mock.log").read_text()
            assert time.monotonic() < deadline, "register mock did not start"
            time.sleep(0.1)
        answer = httpx.post(f"{base}/v1/match", json={
            "given_names": "Jürgen", "family_name": "Weissmüller", "birth_date": "1958-07-23",
            "street": "Balduinstr.", "house_number": "5", "postal_code": "56856",
            "locality": "Zell",
        }).json()
        assert answer["outcome"] == "match"
        assert answer["record_id"] == TEST_PERSONS[1].record_id
        assert answer["address"]["street"] == "Balduinstraße"
    finally:
        proc.terminate()
        proc.wait(10)
