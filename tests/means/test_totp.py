"""RFC 4226 / RFC 6238 conformance of `security.totp`, and the otpauth URI apps scan."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from servicekonto.security import totp

#: RFC 6238 Appendix B and RFC 4226 Appendix D use the ASCII string "12345678901234567890".
RFC_SECRET = b"12345678901234567890"
NOW = datetime(2026, 11, 21, 9, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_appendix_b_sha1_vectors(unix_time: int, expected: str) -> None:
    step = totp.time_step(datetime.fromtimestamp(unix_time, UTC))
    assert step == unix_time // 30
    assert totp.code_at(RFC_SECRET, step, digits=8) == expected


def test_rfc4226_appendix_d_hotp_values() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    expected += ["254676", "287922", "162583", "399871", "520489"]
    assert [totp.code_at(RFC_SECRET, counter) for counter in range(10)] == expected


def test_rfc4226_5_3_only_6_to_8_digits() -> None:
    with pytest.raises(ValueError):
        totp.code_at(RFC_SECRET, 1, digits=5)
    with pytest.raises(ValueError):
        totp.code_at(RFC_SECRET, 1, digits=9)


def test_rfc6238_4_2_time_step_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError):
        totp.time_step(datetime(2026, 11, 21, 9, 0))  # naive on purpose
    assert totp.time_step(NOW) == int(NOW.timestamp()) // 30


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_rfc6238_5_2_window_accepts_one_step_either_side(offset: int) -> None:
    step = totp.time_step(NOW) + offset
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step), NOW) == step


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_rfc6238_5_2_window_rejects_two_steps_away(offset: int) -> None:
    code = totp.code_at(RFC_SECRET, totp.time_step(NOW) + offset)
    # The test would be meaningless if that code happened to equal one inside the window.
    inside = {totp.code_at(RFC_SECRET, totp.time_step(NOW) + d) for d in (-1, 0, 1)}
    assert code not in inside
    assert totp.matching_step(RFC_SECRET, code, NOW) is None


def test_rfc6238_5_2_window_follows_the_clock() -> None:
    code = totp.code_at(RFC_SECRET, totp.time_step(NOW))
    assert totp.matching_step(RFC_SECRET, code, NOW + timedelta(seconds=30)) is not None
    assert totp.matching_step(RFC_SECRET, code, NOW + timedelta(seconds=90)) is None


def test_matching_step_strips_spaces() -> None:
    code = totp.code_at(RFC_SECRET, totp.time_step(NOW))
    assert totp.matching_step(RFC_SECRET, f" {code[:3]} {code[3:]}\t", NOW) is not None


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "12-456",
        "١٢٣٤٥٦",  # Arabic-Indic digits: str.isdigit() is True for them
        "²²²²²²",  # superscripts, likewise
        "9" * 10_000,
    ],
)
def test_matching_step_rejects_malformed_codes(bad: str) -> None:
    assert totp.matching_step(RFC_SECRET, bad, NOW) is None


def test_rfc4226_4_r6_secret_is_160_bits_and_base32_without_padding() -> None:
    secret = totp.new_secret()
    assert len(secret) == 20
    assert secret != totp.new_secret()
    encoded = totp.to_base32(secret)
    assert len(encoded) == 32 and "=" not in encoded
    assert base64.b32decode(encoded) == secret
    assert totp.to_base32(b"12345") == "GEZDGNBV"
    assert totp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_key_uri_format_encodes_plus_at_and_umlauts() -> None:
    secret = RFC_SECRET
    uri = totp.provisioning_uri(
        secret, account_name="erika+konto@example.org", issuer="Servicekonto Köln"
    )
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    # Label: issuer and account, each percent-encoded UTF-8; no raw '+', '@', space or umlaut.
    assert parts.path == "/Servicekonto%20K%C3%B6ln:erika%2Bkonto%40example.org"
    assert "+" not in uri and " " not in uri and "ö" not in uri
    issuer, account = unquote(parts.path[1:]).split(":")
    assert (issuer, account) == ("Servicekonto Köln", "erika+konto@example.org")
    query = parse_qs(parts.query)
    assert query == {
        "secret": [totp.to_base32(secret)],
        "issuer": ["Servicekonto Köln"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert "issuer=Servicekonto%20K%C3%B6ln" in parts.query


def test_key_uri_format_encodes_a_colon_in_the_issuer() -> None:
    uri = totp.provisioning_uri(RFC_SECRET, account_name="a@b.de", issuer="Kreis: Süd")
    # One literal ':' separates issuer and account; the issuer's own is encoded.
    assert urlsplit(uri).path.count(":") == 1
