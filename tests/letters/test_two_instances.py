"""Issue 10 item 3 (DESIGN §7: all state lives in the database): two instances on one database,
each with its own data directory, as the README's production section allows. A letter ordered on
instance A is printed from instance B, and a letter that cannot be read is an error on every
surface, never a blank 200 PDF.

Runs on a SQLite file and, with SERVICEKONTO_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import delete, select

from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.db.models import Blob, Letter
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.support import Browser, make_client

pytestmark = pytest.mark.postgres

CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b")
#: Jürgen Weißmüller (register test person 2).
TYPED = {
    "email": "juergen@example.org", "password": "Moselschleife-Bremm-2026",
    "given_name": "Juergen", "family_name": "Weissmueller", "birth_date": "1958-07-23",
    "street": "Balduinstr.", "house_number": "5", "postal_code": "56856", "locality": "Zell",
    "privacy_consent": "yes",
}


@pytest.fixture
def instance_b(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    """A second instance on the same database with a data directory of its own."""
    other = tmp_path / "instance-b"
    other.mkdir()
    app = create_app(settings.model_copy(update={"data_dir": other}), clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def print_shop_token(app: TestClient, provider: Provider) -> dict[str, str]:
    shop = make_client(
        provider, name="Druckerei", grant_types=["client_credentials"],
        scopes=["letters:dispatch"], redirect_uris=[],
    )
    response = app.post("/token", data={"grant_type": "client_credentials"},
                        auth=(shop.client_id, shop.client_secret or ""))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def register_on(app: TestClient) -> str:
    browser = Browser(app)
    page = browser.get("/register")
    assert browser.post_form("/register", TYPED, page).headers["location"] == "/register/done"
    provider: Provider = app.app.state.provider  # type: ignore[attr-defined]
    with provider.sessions() as db:
        letter_id = db.scalars(select(Letter.id)).one()
    return str(letter_id)


def test_a_letter_ordered_on_one_instance_prints_on_the_other(
    app_client: TestClient, provider: Provider, instance_b: TestClient
) -> None:
    letter_id = register_on(app_client)
    headers = print_shop_token(instance_b, provider)

    batch = instance_b.post("/api/v1/letters/batch.pdf", json={"letter_ids": [letter_id]},
                            headers=headers)

    assert batch.status_code == 200, batch.text
    assert batch.headers["x-letter-ids"] == letter_id
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(batch.content)).pages)
    assert "Jürgen Weißmüller" in text and "Balduinstraße 5" in text
    assert CODE.search(text)

    done = instance_b.post("/api/v1/letters/dispatched", json={"letter_ids": [letter_id]},
                           headers=headers)
    assert done.json() == {"dispatched": 1}
    with provider.sessions() as db:
        assert db.get(Blob, f"letter:{letter_id}") is None  # the code in clear is gone
        assert db.get(Letter, letter_id).status == "dispatched"  # type: ignore[union-attr]
    again = app_client.post("/api/v1/letters/batch.pdf", json={"letter_ids": [letter_id]},
                            headers=headers)
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"


def test_an_unreadable_letter_is_a_409_not_a_blank_pdf(
    app_client: TestClient, provider: Provider, instance_b: TestClient
) -> None:
    letter_id = register_on(app_client)
    with provider.sessions() as db:
        db.execute(delete(Blob))
        db.commit()
    headers = print_shop_token(instance_b, provider)

    batch = instance_b.post("/api/v1/letters/batch.pdf", json={"letter_ids": [letter_id]},
                            headers=headers)

    assert batch.status_code == 409
    assert batch.json()["title"] == "letter_unreadable"
    assert not batch.content.startswith(b"%PDF")
    with provider.sessions() as db:  # still queued: nothing was marked as printed
        assert db.get(Letter, letter_id).status == "queued"  # type: ignore[union-attr]
