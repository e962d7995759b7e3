"""The Befugnis through panva's openid-client (a certified RP, npm) against a real `servicekonto
serve` (issue 12 item 6, DESIGN §11): a member who chooses the organisation gets its claims in
the ID token openid-client validated and at userinfo; a client without `organization` gets none;
after the organisation's suspension the refresh token fails with `invalid_grant` (RFC 6749
§5.2). `openid_client/befugnis.mjs` plays RP and user agent."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from servicekonto.companies import review
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import REGISTRATION_SUPERVISOR
from tests.companies.factories import activated, seed_region, staff
from tests.conftest import ServerProcess, free_port
from tests.support import PASSWORD, account_id_of, make_account, make_client
from tests.tools import INTEROP_DIR, require_node_package

pytestmark = [pytest.mark.server, pytest.mark.timeout(90)]

RP_SCRIPT = INTEROP_DIR / "openid_client" / "befugnis.mjs"
ORG_SCOPE = "openid profile offline_access organization"
ORGANISATION_CLAIMS = {
    "organization", "organization_type", "organization_name", "organization_legal_form",
    "organization_legal_form_text", "organization_register", "organization_address",
    "organization_role",
}


def run_rp(arguments: dict[str, Any]) -> dict[str, Any]:
    completed = subprocess.run(
        ["node", str(RP_SCRIPT), json.dumps(arguments)],
        cwd=INTEROP_DIR, capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


@pytest.fixture
def openid_client_installed() -> None:
    require_node_package("openid-client")


def test_openid_client_receives_the_organisation_and_loses_it_on_suspension(
    openid_client_installed: None, server: ServerProcess, server_provider: Provider
) -> None:
    now = server_provider.clock.now()
    seed_region(server_provider.sessions)
    officer = staff(server_provider.sessions, now, "vg-cochem")
    email = make_account(server_provider)
    admin = account_id_of(server_provider, email)
    organisation_id = activated(server_provider.sessions, now, admin, officer)
    rp_origin = f"http://127.0.0.1:{free_port()}"
    with_org = make_client(
        server_provider, name="openid-client Befugnis", redirect_uris=[f"{rp_origin}/cb"],
        scopes=ORG_SCOPE.split(),
    )
    without_org = make_client(
        server_provider, name="openid-client ohne Befugnis", redirect_uris=[f"{rp_origin}/cb2"],
        scopes=["openid", "profile"],
    )
    common = {"issuer": server.base_url, "username": email, "password": PASSWORD}

    out = run_rp({
        **common, "mode": "login", "client_id": with_org.client_id,
        "client_secret": with_org.client_secret, "redirect_uri": with_org.redirect_uri,
        "scope": ORG_SCOPE, "acting_as": f"org:{organisation_id}",
    })

    assert out["forms_seen"] == ["login", "acting_as", "consent"]
    assert out["acting_as_offered"] == ["self", f"org:{organisation_id}"]
    for claims in (out["id_token_claims"], out["userinfo"]):
        assert set(claims) >= ORGANISATION_CLAIMS, claims
        assert claims["organization_name"] == "Moselweingut Beispiel GmbH"
        assert claims["organization_register"]["court"] == "Amtsgericht Koblenz"
        assert claims["organization_role"] == "admin"
    verification = out["userinfo"]["verified_claims"]["verification"]
    assert verification["trust_framework"] == "de_servicekonto_registrierungsstelle"
    assert out["refresh_token"]

    # a client that did not ask for `organization`: no prompt, no organisation claims
    plain = run_rp({
        **common, "mode": "login", "client_id": without_org.client_id,
        "client_secret": without_org.client_secret, "redirect_uri": without_org.redirect_uri,
        "scope": "openid profile", "acting_as": "self",
    })
    assert "acting_as" not in plain["forms_seen"]
    assert not ORGANISATION_CLAIMS & (set(plain["id_token_claims"]) | set(plain["userinfo"]))
    assert "verified_claims" not in plain["userinfo"]

    supervisor = staff(server_provider.sessions, now, "vg-cochem", REGISTRATION_SUPERVISOR)
    with server_provider.sessions() as db:
        review.suspend(db, staff_id=supervisor, organisation_id=organisation_id,
                       reason="Missbrauchsverdacht", now=now)
        db.commit()

    refused = run_rp({
        **common, "mode": "refresh", "client_id": with_org.client_id,
        "client_secret": with_org.client_secret, "redirect_uri": with_org.redirect_uri,
        "refresh_token": out["refresh_token"],
    })
    assert refused["refresh"] == {
        "ok": False, "error": "invalid_grant", "name": "ResponseBodyError", "status": 400,
    }
