"""The three acr vocabularies of DESIGN §4: eIDAS LoA URIs (canonical), STORK-QAA levels (BundID)
and the BSI TR-03130 URIs — parsing, rendering and what an authorization request reports.

The expected strings are copied from DESIGN §4, not from `servicekonto.oidc.acr`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.oidc import acr
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import parse_claims_parameter

LOW, SUBSTANTIAL, HIGH = TrustLevel.LOW, TrustLevel.SUBSTANTIAL, TrustLevel.HIGH

#: DESIGN §4, verbatim.
DESIGN_VALUES: dict[str, dict[TrustLevel, str]] = {
    "eidas": {
        LOW: "http://eidas.europa.eu/LoA/low",
        SUBSTANTIAL: "http://eidas.europa.eu/LoA/substantial",
        HIGH: "http://eidas.europa.eu/LoA/high",
    },
    "stork": {
        LOW: "STORK-QAA-Level-1",
        SUBSTANTIAL: "STORK-QAA-Level-3",
        HIGH: "STORK-QAA-Level-4",
    },
    "bsi": {
        LOW: "http://bsi.bund.de/eID/LoA/normal",
        SUBSTANTIAL: "http://bsi.bund.de/eID/LoA/substantiell",
        HIGH: "http://bsi.bund.de/eID/LoA/hoch",
    },
}

EVERY_VALUE = [
    pytest.param(vocabulary, level, value, id=f"{vocabulary}-{level.label}")
    for vocabulary, levels in DESIGN_VALUES.items()
    for level, value in levels.items()
]


def request_with(
    *, acr_values: list[str] | None = None, acr_claim: dict[str, Any] | None = None
) -> AuthorizationRequest:
    claims = (
        parse_claims_parameter(json.dumps({"id_token": {"acr": acr_claim}})).to_json()
        if acr_claim is not None
        else {}
    )
    return AuthorizationRequest(
        client_id="client-1",
        redirect_uri="https://rp.example/cb",
        scopes=["openid"],
        state=None,
        nonce=None,
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        acr_values=acr_values or [],
        claims=claims,
    )


@pytest.mark.parametrize(("vocabulary", "level", "value"), EVERY_VALUE)
def test_design_4_every_acr_value_parses_to_its_level_and_vocabulary(
    vocabulary: str, level: TrustLevel, value: str
) -> None:
    assert acr.parse(value) == (level, vocabulary)


@pytest.mark.parametrize(("vocabulary", "level", "value"), EVERY_VALUE)
def test_design_4_every_acr_value_renders_back_to_itself(
    vocabulary: str, level: TrustLevel, value: str
) -> None:
    parsed = acr.parse(value)
    assert parsed is not None
    assert acr.render(*parsed) == value
    assert acr.render(level, vocabulary) == value


def test_design_4_exactly_the_nine_documented_values_are_known() -> None:
    documented = {v for levels in DESIGN_VALUES.values() for v in levels.values()}
    assert set(acr.ALL_VALUES) == documented
    assert len(acr.ALL_VALUES) == 9


def test_oidc_discovery_publishes_every_acr_value(app_client: TestClient) -> None:
    metadata = app_client.get("/.well-known/openid-configuration").json()
    documented = {v for levels in DESIGN_VALUES.values() for v in levels.values()}
    assert set(metadata["acr_values_supported"]) == documented


@pytest.mark.parametrize(
    "value",
    [
        "stork-qaa-level-1",  # acr values are case-sensitive strings (OIDC Core §2)
        "STORK-QAA-Level-2",  # not a level we offer
        "http://eidas.europa.eu/LoA/low/",
        "https://eidas.europa.eu/LoA/low",
        "urn:example:loa:3",
        "",
        "low",
    ],
)
def test_design_4_unknown_values_do_not_parse(value: str) -> None:
    assert acr.parse(value) is None


# -- AuthorizationRequest.required_level ---------------------------------------------------------


@pytest.mark.parametrize(("vocabulary", "level", "value"), EVERY_VALUE)
def test_oidc_core_3_1_2_1_acr_values_report_the_requested_vocabulary(
    vocabulary: str, level: TrustLevel, value: str
) -> None:
    assert request_with(acr_values=[value]).required_level() == (level, False, vocabulary)


@pytest.mark.parametrize(("vocabulary", "level", "value"), EVERY_VALUE)
def test_oidc_core_5_5_1_1_essential_acr_claim_reports_the_requested_vocabulary(
    vocabulary: str, level: TrustLevel, value: str
) -> None:
    request = request_with(acr_claim={"essential": True, "values": [value]})
    assert request.required_level() == (level, True, vocabulary)


@pytest.mark.parametrize(("vocabulary", "level", "value"), EVERY_VALUE)
def test_oidc_core_5_5_1_1_acr_claim_with_single_value_member(
    vocabulary: str, level: TrustLevel, value: str
) -> None:
    request = request_with(acr_claim={"essential": True, "value": value})
    assert request.required_level() == (level, True, vocabulary)


def test_oidc_core_5_5_1_1_non_essential_acr_claim_is_voluntary() -> None:
    request = request_with(acr_claim={"values": ["STORK-QAA-Level-3"]})
    assert request.required_level() == (SUBSTANTIAL, False, "stork")


def test_required_level_survives_the_json_round_trip_of_a_pending_request() -> None:
    request = request_with(
        acr_values=["http://bsi.bund.de/eID/LoA/hoch"],
        acr_claim={"essential": True, "values": ["STORK-QAA-Level-3"]},
    )
    stored = json.loads(json.dumps(request.to_json()))
    assert AuthorizationRequest.from_json(stored).required_level() == (SUBSTANTIAL, True, "stork")


def test_oidc_core_3_1_2_1_acr_values_unknown_values_are_ignored() -> None:
    request = request_with(acr_values=["urn:example:loa:9", "STORK-QAA-Level-3", "hoch"])
    assert request.required_level() == (SUBSTANTIAL, False, "stork")


def test_oidc_core_3_1_2_1_acr_values_only_unknown_values_ask_for_nothing() -> None:
    assert request_with(acr_values=["urn:example:loa:9"]).required_level() == (None, False, "eidas")
    assert request_with().required_level() == (None, False, "eidas")


def test_oidc_core_3_1_2_1_acr_values_the_first_known_value_picks_the_vocabulary() -> None:
    request = request_with(
        acr_values=["urn:x", "http://bsi.bund.de/eID/LoA/hoch", "STORK-QAA-Level-1"]
    )
    # the lowest acceptable level, answered in the vocabulary the client used first
    assert request.required_level() == (LOW, False, "bsi")


def test_oidc_core_5_5_1_1_acr_claim_takes_precedence_over_acr_values() -> None:
    request = request_with(
        acr_values=["http://eidas.europa.eu/LoA/low"],
        acr_claim={"essential": True, "values": ["http://bsi.bund.de/eID/LoA/substantiell"]},
    )
    assert request.required_level() == (SUBSTANTIAL, True, "bsi")


@pytest.mark.parametrize(
    "claims",
    [{}, {"acr": None}, {"acr": {"essential": False}}, {"acr": {"values": []}}],
    ids=["no-claim", "null-claim", "non-essential-claim", "empty-values"],
)
def test_oidc_core_5_5_1_1_acr_claim_without_values_keeps_the_acr_values_level(
    claims: dict[str, Any],
) -> None:
    """Issue 10 #9: `{"acr": {"essential": false}}` beside `acr_values=…/high` asks only for
    `acr` to be returned; the level of `acr_values` stays, as with `acr_values` alone."""
    request = replace(
        request_with(acr_values=["http://eidas.europa.eu/LoA/high"]),
        claims=parse_claims_parameter(json.dumps({"id_token": claims})).to_json(),
    )
    assert request.required_level() == (HIGH, False, "eidas")


def test_oidc_core_5_5_1_1_essential_acr_claim_without_values_makes_acr_values_essential() -> None:
    """The client marks `acr` essential and names the values in `acr_values`: never answered
    with a lower level than those."""
    request = request_with(acr_values=["STORK-QAA-Level-3"], acr_claim={"essential": True})
    assert request.required_level() == (SUBSTANTIAL, True, "stork")


# -- render never emits less than low ----------------------------------------------------------


@pytest.mark.parametrize("vocabulary", [*DESIGN_VALUES, "unknown-vocabulary"])
@pytest.mark.parametrize("level", list(TrustLevel), ids=lambda level: level.label)
def test_design_4_render_never_emits_a_level_below_low(vocabulary: str, level: TrustLevel) -> None:
    rendered = acr.render(level, vocabulary)
    parsed = acr.parse(rendered)
    assert parsed is not None
    rendered_level, rendered_vocabulary = parsed
    assert rendered_level == max(level, LOW)
    # an unknown vocabulary falls back to the canonical eIDAS URIs
    assert rendered_vocabulary == (vocabulary if vocabulary in DESIGN_VALUES else "eidas")


@pytest.mark.parametrize("vocabulary", list(DESIGN_VALUES))
def test_design_4_a_basic_level_renders_as_low(vocabulary: str) -> None:
    assert acr.render(TrustLevel.BASIC, vocabulary) == DESIGN_VALUES[vocabulary][LOW]


@pytest.mark.parametrize("level", list(TrustLevel), ids=lambda level: level.label)
def test_trust_level_labels_round_trip(level: TrustLevel) -> None:
    assert TrustLevel.parse(level.label) is level
    assert TrustLevel.parse(level.label.upper()) is level
