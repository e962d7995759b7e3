"""Hostile JOSE input, fuzzed with hypothesis (checklist P-18; RFC 8725 §3.1 and §3.2).

Where tokens come in from outside: client assertions at /token (RFC 7523 §3, OIDC Core §9) and
`id_token_hint` at /logout (RP-Initiated Logout 1.0 §2) and /authorize (OIDC Core §3.1.2.1).
What the code promises, and what is asserted:

- `oidc/jose.py`: anything malformed, oversized or not signed by the right key is `InvalidJwt`,
  never another exception; the 16 KiB cap and the compact shape are checked before anything
  is decoded; `crit`, `jku`, `x5u` and `jwk` are refused even on a correctly signed token.
- /token: every bad assertion is 401 `invalid_client` with `Cache-Control: no-store`
  (RFC 6749 §5.2), never a token and never a 5xx.
- /logout: a hint we did not sign (or signed with a refused header) counts as no hint
  (`logout.validate_request`): with a session the user is asked on the confirmation page, never
  logged out silently; without `client_id` a `post_logout_redirect_uri` then has no client to be
  checked against, so it is the 400 error page and no redirect.
- /authorize does not read `id_token_hint` (optional, OIDC Core §3.1.2.1): a hostile one
  changes nothing, so `prompt=none` without a session stays `login_required`.

Bounded for CI: derandomized, fixed example counts, no deadline (two busy cores), and a memory
bound measured with tracemalloc.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import ECKey, KeySet

from servicekonto.clock import FixedClock
from servicekonto.oidc import jose
from servicekonto.oidc.provider import Provider
from tests.support import Browser, Rp, full_login, make_account, make_client

ISSUER = "http://testserver"
TOKEN_ENDPOINT = ISSUER + "/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NOW = int(FixedClock().now().timestamp())
LOGGED_OUT = "https://rp.example/logged-out"
#: Replaced by the target's client id (or, for hints, its real claim) when a token is built.
SELF = "\x00self\x00"

#: An attacker's own key: signs well, but is registered nowhere.
ATTACKER = ECKey.generate_key("P-256", private=True, parameters={"kid": "rp-key-1"})
ATTACKER_JWK = {k: str(v) for k, v in ATTACKER.as_dict(private=False).items()}


def fuzzed(examples: int) -> settings:
    """Bounded and reproducible: a fixed number of derandomized examples."""
    return settings(
        max_examples=examples,
        derandomize=True,  # the same examples on every run: CI is reproducible
        database=None,
        deadline=None,  # two busy cores; time is bounded separately, by the median
        # The app fixture is shared by the examples on purpose: each example is one
        # independent request, and an app per example would cost more than the fuzzing.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# -- building tokens -----------------------------------------------------------------------------


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def es256(key: ECKey, signing_input: str) -> str:
    """A raw ES256 signature (RFC 7518 §3.4), made by hand so any header can be signed."""
    assert key.private_key is not None
    der = key.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    return b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


@dataclass(frozen=True)
class Target:
    """Whose tokens are forged: the key that really verifies them and what is public of it."""

    key: ECKey
    kid: str
    #: Claims of a token that the right key would make acceptable (SELF already replaced).
    good_claims: dict[str, Any]
    self_value: str

    @property
    def public_secrets(self) -> list[bytes]:
        """What an algorithm-confusion attacker uses as an HMAC secret (CVE-2024-37568 class)."""
        public = self.key.as_dict(private=False)
        return [
            self.key.as_pem(private=False),
            json.dumps(public).encode(),
            json.dumps({"keys": [public]}).encode(),
            str(public["x"]).encode(),
        ]

    def sign(self, header_text: str, claims_text: str) -> str:
        signing_input = f"{b64url(header_text.encode())}.{b64url(claims_text.encode())}"
        return f"{signing_input}.{es256(self.key, signing_input)}"

    def good_token(self, **claim_overrides: Any) -> str:
        claims = {**self.good_claims, **claim_overrides}
        header = {"alg": "ES256", "kid": self.kid, "typ": "JWT"}
        return self.sign(json.dumps(header), json.dumps(claims))


# -- strategies ----------------------------------------------------------------------------------

ODD_STRINGS = st.sampled_from(
    [
        "",
        "\x00",
        "\ud800",  # a lone surrogate: valid in JSON text, not encodable as UTF-8
        "../../../../etc/passwd",
        "file:///dev/zero",
        "' OR '1'='1",
        "𝔨𝔦𝔡",
        "k" * 5_000,
    ]
)
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**30, 10**308]),
    st.floats(),  # NaN and ±Infinity included: Python's json reads and writes them
    st.text(max_size=30),
    ODD_STRINGS,
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=10,
)
URLS = st.sampled_from(
    ["https://attacker.example/jwks.json", "http://169.254.169.254/latest", "file:///etc/passwd"]
)
TIMES = st.one_of(
    st.sampled_from([NOW, NOW + 60, NOW - 60, 0, -1, 2**31, 2**63, 10**20, 10**400]),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(max_size=12),
    st.none(),
)


def header_dicts(kid: str) -> st.SearchStrategy[dict[str, Any]]:
    algs = st.one_of(
        st.sampled_from(
            ["none", "None", "NONE", "", "HS256", "HS384", "HS512", "ES256", "es256", "RS256",
             "PS256", "EdDSA", "ES256K", "RSA-OAEP", "dir", "A128KW"]
        ),
        JSON_LEAVES,
    )
    return st.fixed_dictionaries(
        {"alg": algs},
        optional={
            "kid": st.one_of(st.just(kid), ODD_STRINGS, JSON_VALUES),
            "typ": st.one_of(st.sampled_from(["JWT", "at+jwt", "logout+jwt"]), JSON_LEAVES),
            "crit": st.one_of(
                st.sampled_from([["exp"], ["x-unknown"], ["b64"], [], [""], "x-unknown"]),
                JSON_VALUES,
            ),
            "x-unknown": JSON_VALUES,
            "jku": URLS,
            "x5u": URLS,
            "jwk": st.just(ATTACKER_JWK),
            "x5c": st.lists(st.text(max_size=20), max_size=2),
            "b64": st.booleans(),
            "zip": st.just("DEF"),
            "enc": st.just("A256GCM"),
        },
    )


def claims_dicts() -> st.SearchStrategy[dict[str, Any]]:
    # Half the time the target's own id: only then does /token get as far as the signature.
    subjects = st.one_of(st.just(SELF), st.just(SELF), st.just([SELF]), JSON_VALUES)
    audiences = st.one_of(
        st.sampled_from([ISSUER, TOKEN_ENDPOINT, [TOKEN_ENDPOINT, 7], {"aud": ISSUER}]),
        JSON_VALUES,
    )
    return st.fixed_dictionaries(
        {"sub": subjects},
        optional={
            "iss": subjects,
            "aud": audiences,
            "jti": JSON_VALUES,
            "exp": TIMES,
            "iat": TIMES,
            "nbf": TIMES,
            "sid": JSON_VALUES,
        },
    )


def json_texts(documents: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[str]:
    """JSON text around a document, plus what JSON libraries disagree on or choke on."""

    def with_duplicate(document: dict[str, Any], first: bool) -> str:
        text = json.dumps(document)
        if not document:
            return '{"alg": "none", "alg": "ES256"}'
        member = f"{json.dumps(next(iter(document)))}: \"none\""
        return "{" + member + ", " + text[1:] if first else text[:-1] + ", " + member + "}"

    return st.one_of(
        documents.map(json.dumps),
        st.builds(with_duplicate, documents, st.booleans()),  # RFC 7515 §4: may be refused
        st.integers(900, 6_000).map(lambda d: "[" * d + "]" * d),  # nesting beyond recursion
        st.integers(900, 3_000).map(lambda d: '{"a":' * d + "1" + "}" * d),
        st.just('{"exp": ' + "9" * 5_000 + "}"),  # beyond Python's int digit limit
        st.text(max_size=40),  # not JSON at all
        JSON_VALUES.map(json.dumps),  # JSON, but not an object
    )


SIGNATURES = ("random", "empty", "attacker", "hmac-with-public-key", "transplanted")


def forge(
    target: Target, header_text: str, claims_text: str, how: str, noise: bytes, secret: bytes
) -> str:
    """A token whose signature was *not* made by the target's key over this signing input."""
    claims_text = claims_text.replace(json.dumps(SELF), json.dumps(target.self_value))
    signing_input = f"{b64url(header_text.encode())}.{b64url(claims_text.encode())}"
    if how == "random":
        signature = b64url(noise)
    elif how == "empty":
        signature = ""
    elif how == "attacker":
        signature = es256(ATTACKER, signing_input)
    elif how == "hmac-with-public-key":
        digest = {0: "sha256", 1: "sha384"}.get(len(noise) % 3, "sha512")
        signature = b64url(hmac.new(secret, signing_input.encode(), digest).digest())
    else:  # transplanted: a genuine signature of the right key, but over another token
        signature = target.good_token().rsplit(".", 1)[1]
    return f"{signing_input}.{signature}"


def forged_tokens(
    target: Target, claims: st.SearchStrategy[dict[str, Any]] | None = None
) -> st.SearchStrategy[str]:
    headers = header_dicts(target.kid)
    claims = claims if claims is not None else claims_dicts()
    return st.builds(
        forge,
        st.just(target),
        # Plain JSON about half the time, so the parsers get past it to alg, kid and claims.
        st.one_of(headers.map(json.dumps), json_texts(headers)),
        st.one_of(claims.map(json.dumps), json_texts(claims)),
        st.sampled_from(SIGNATURES),
        st.binary(max_size=600),
        st.sampled_from(target.public_secrets),
    )


@st.composite
def malformed_tokens(draw: st.DrawFn) -> str:
    """Wrong segment counts, non-base64url segments, JWE-shaped and oversized input."""
    segment = st.one_of(
        st.binary(max_size=80).map(b64url),
        st.text(max_size=40),
        st.binary(max_size=40).map(lambda raw: base64.b64encode(raw).decode()),  # +/ and =
    )
    kind = draw(st.sampled_from(["text", "bytes", "segments", "oversized"]))
    if kind == "text":
        return draw(st.text(max_size=200))
    if kind == "bytes":
        return draw(st.binary(max_size=200)).decode("latin-1")
    if kind == "segments":
        count = draw(st.sampled_from([0, 1, 2, 4, 5, 6, 40]))
        return ".".join(draw(st.lists(segment, min_size=count, max_size=count)))
    extra = draw(st.integers(min_value=1, max_value=64 * 1024))
    head = b64url(json.dumps({"alg": "ES256"}).encode())
    return f"{head}.{'A' * (jose.MAX_JWT_BYTES + extra)}.sig"


#: Defects that make a correctly signed token unacceptable to `jose.decode` itself.
HEADER_DEFECTS: list[dict[str, Any]] = [
    {"crit": ["x-unknown"], "x-unknown": 1},
    {"crit": ["exp"]},
    {"crit": []},
    {"crit": "x-unknown"},
    {"jku": "https://attacker.example/jwks.json"},
    {"x5u": "https://attacker.example/cert.pem"},
    {"jwk": ATTACKER_JWK},
]


def right_key_with_header_defect(target: Target) -> st.SearchStrategy[str]:
    def build(defect: dict[str, Any]) -> str:
        header = {"alg": "ES256", "kid": target.kid, **defect}
        return target.sign(json.dumps(header), json.dumps(target.good_claims))

    return st.sampled_from(HEADER_DEFECTS).map(build)


def hostile_tokens(target: Target) -> st.SearchStrategy[str]:
    forged = forged_tokens(target)  # twice: the richest family gets half of the examples
    return st.one_of(forged, forged, malformed_tokens(), right_key_with_header_defect(target))


# -- fixtures ------------------------------------------------------------------------------------


@dataclass
class AssertionClient:
    """A private_key_jwt client (RFC 7523 §2.2) registered with an ES256 public key."""

    client_id: str
    target: Target


@pytest.fixture
def pkjwt(provider: Provider, clock: FixedClock) -> AssertionClient:
    key = ECKey.generate_key("P-256", private=True, parameters={"kid": "rp-key-1"})
    public = {k: str(v) for k, v in key.as_dict(private=False).items()}
    client_id = make_client(
        provider,
        grant_types=["client_credentials"],
        scopes=["postfach"],
        redirect_uris=[],
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [public]},
    ).client_id
    now = int(clock.now().timestamp())
    good = {"iss": client_id, "sub": client_id, "aud": ISSUER, "iat": now, "exp": now + 60}
    return AssertionClient(client_id, Target(key, "rp-key-1", good, client_id))


def provider_target(provider: Provider, good_claims: dict[str, Any], self_value: str) -> Target:
    """Our own signing key as the target: what an `id_token_hint` must be signed with."""
    key = provider.keys.signing_key("ES256")
    assert isinstance(key, ECKey)
    return Target(key, str(key.kid), good_claims, self_value)


def assertion_form(assertion: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
    }


def assert_invalid_client(response: httpx.Response) -> None:
    assert response.status_code == 401, (response.status_code, response.text[:300])
    assert response.json()["error"] == "invalid_client", response.text[:300]
    assert "access_token" not in response.json()
    assert response.headers["cache-control"] == "no-store"


#: Query room left under httpx's URL length limit (65,536) for a drawn token: a longer URL never
#: leaves the client; the cap tests (P-18) send oversized tokens in bodies instead.
URL_ROOM = 60_000

#: What the app-wide input gate refuses before any route runs (issue 10 #7): C0 controls but tab,
#: line feed and carriage return; DEL; C1.
GATED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refused_by_the_input_gate(response: httpx.Response, sent: str) -> bool:
    """True when `sent` carries a control character and the gate refused the request: 400
    `invalid_request` on OAuth endpoints, the 422 page elsewhere; never a redirect or a cookie
    change. False when `sent` is clean, so the caller checks the answer its spec demands."""
    if not GATED.search(sent):
        return False
    assert response.status_code in (400, 422), (response.status_code, response.text[:300])
    assert "location" not in response.headers
    assert not _clears_session(response)
    if response.headers["content-type"].startswith("application/json"):
        assert response.json()["error"] == "invalid_request", response.text[:300]
    return True


# -- jose.py, called directly --------------------------------------------------------------------


def _refused(parse: Callable[..., object], *args: object) -> bool:
    """True when `parse(*args)` raises InvalidJwt; any other exception propagates and fails the
    test (at an endpoint it would be a 500)."""
    try:
        parse(*args)
    except jose.InvalidJwt:
        return True
    return False


@fuzzed(400)
@given(data=st.data())
def test_rfc8725_3_1_jose_refuses_every_token_not_signed_by_the_right_key(
    pkjwt: AssertionClient, provider: Provider, data: st.DataObject
) -> None:
    """`decode` and `verify_own` accept nothing forged, malformed or with a refused header, and
    raise nothing but InvalidJwt; `peek_claims` returns an object or raises InvalidJwt."""
    right_keys = KeySet([pkjwt.target.key])
    token = data.draw(hostile_tokens(pkjwt.target), label="assertion")
    assert _refused(jose.decode, token, right_keys), token[:200]
    if not _refused(jose.peek_claims, token):
        assert isinstance(jose.peek_claims(token), dict)

    hint_target = provider_target(provider, {"iss": ISSUER, "aud": "c", "sub": "s"}, "s")
    hint = data.draw(hostile_tokens(hint_target), label="hint")
    assert _refused(jose.verify_own, provider.keys, hint), hint[:200]


def test_rfc8725_3_1_control_the_right_key_and_a_clean_header_are_accepted(
    pkjwt: AssertionClient, provider: Provider
) -> None:
    """Without this, the refusals above could come from a pipeline that refuses everything."""
    header, claims = jose.decode(pkjwt.target.good_token(), KeySet([pkjwt.target.key]))
    assert header["kid"] == "rp-key-1" and claims["sub"] == pkjwt.client_id
    own = jose.sign(provider.keys, {"iss": ISSUER, "sub": "s"})
    assert jose.verify_own(provider.keys, own)["sub"] == "s"


@pytest.mark.parametrize("defect", HEADER_DEFECTS, ids=lambda d: next(iter(d)))
def test_rfc7515_4_1_11_crit_and_rfc8725_3_10_key_headers_are_refused_when_correctly_signed(
    pkjwt: AssertionClient, provider: Provider, defect: dict[str, Any]
) -> None:
    """`crit` (we understand no extension) and keys or key URLs in the header (the key comes
    from the registered JWKS only, never from the token) make even a good signature worthless."""
    header = {"alg": "ES256", "kid": pkjwt.target.kid, **defect}
    token = pkjwt.target.sign(json.dumps(header), json.dumps(pkjwt.target.good_claims))
    assert _refused(jose.decode, token, KeySet([pkjwt.target.key]))
    ours = provider_target(provider, {"iss": ISSUER, "sub": "s"}, "s")
    hint = ours.sign(json.dumps({"alg": "ES256", "kid": ours.kid, **defect}), '{"iss": "x"}')
    assert _refused(jose.verify_own, provider.keys, hint)


def test_p18_an_oversized_token_is_refused_before_anything_is_decoded(
    pkjwt: AssertionClient, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 16 KiB cap (CVE-2025-61920 class): a token one byte over it, or with a non-ASCII
    character, never reaches base64, JSON or joserfc."""

    def parsed(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an oversized token reached a parser")

    head = b64url(json.dumps({"alg": "ES256", "kid": "rp-key-1"}).encode())
    fits = f"{head}.{'A' * (jose.MAX_JWT_BYTES - len(head) - 5)}.sig"
    assert len(fits) == jose.MAX_JWT_BYTES  # the longest token still parsed
    too_long = fits + "g"
    not_ascii = fits[:-1] + "é"
    monkeypatch.setattr(base64, "urlsafe_b64decode", parsed)
    monkeypatch.setattr(json, "loads", parsed)
    monkeypatch.setattr(joserfc_jwt, "decode", parsed)
    for token in (too_long, not_ascii, "x" * (1024 * 1024)):
        assert _refused(jose.peek_claims, token)
        assert _refused(jose.decode, token, KeySet([pkjwt.target.key]))
        assert _refused(jose.verify_own, provider.keys, token)
    # the cap is not what refuses a token at the limit: that one reaches the parser
    with pytest.raises(AssertionError, match="reached a parser"):
        jose.peek_claims(fits)


def _corpus(target: Target) -> list[str]:
    """The most expensive inputs that fit under the cap, and some over it."""
    room = jose.MAX_JWT_BYTES * 3 // 4 - 100  # raw bytes whose base64url still fits
    head = b64url(json.dumps({"alg": "ES256", "kid": target.kid}).encode())
    deep = [
        b64url(("[" * (room // 2) + "]" * (room // 2)).encode()),
        b64url(('{"a":' * (room // 7) + "1" + "}" * (room // 7)).encode()),
        b64url(('{"exp": ' + "9" * (room - 10) + "}").encode()),
        b64url(json.dumps({"sub": target.self_value, "x": ["y"] * (room // 6)}).encode()),
    ]
    tokens = [f"{head}.{body}.{b64url(secrets.token_bytes(64))}" for body in deep]
    tokens += [f"{body[: jose.MAX_JWT_BYTES // 2]}.{head}.sig" for body in deep]
    tokens += ["." * (jose.MAX_JWT_BYTES - 1), "A" * (1024 * 1024), f"{head}.e30." + "A" * 9000]
    return (tokens * 30)[:300]


def test_p18_parsing_hostile_tokens_stays_within_memory_and_time_bounds(
    pkjwt: AssertionClient, provider: Provider
) -> None:
    """Checklist P-18 asks for bounded memory (< 50 MB growth) and time (< 200 ms) per hostile
    token. Stated limits here, for a batch of 300 of the worst inputs under and over the cap:
    a traced peak below 1.5 MiB (about 0.4 MiB measured; decoding one 1 MiB token takes 2 MiB)
    and a median below 20 ms per token through all three parsers (about 0.1 ms measured); the
    median, because two busy cores can stall any single token."""
    corpus = _corpus(pkjwt.target)
    right_keys = KeySet([pkjwt.target.key])
    durations: list[float] = []
    tracemalloc.start()
    try:
        for token in corpus:
            started = time.perf_counter()
            _refused(jose.peek_claims, token)
            assert _refused(jose.decode, token, right_keys)
            assert _refused(jose.verify_own, provider.keys, token)
            durations.append(time.perf_counter() - started)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(corpus) == 300
    assert peak < 1.5 * 1024 * 1024, f"traced peak {peak / 1024:.0f} KiB"
    assert statistics.median(durations) < 0.02, f"median {statistics.median(durations):.4f} s"


# -- /token: RFC 7523 §3, OIDC Core §9 -----------------------------------------------------------


@pytest.mark.postgres
@fuzzed(200)
@given(data=st.data())
def test_rfc7523_3_hostile_client_assertions_are_invalid_client(
    app_client: TestClient, pkjwt: AssertionClient, data: st.DataObject
) -> None:
    assertion = data.draw(hostile_tokens(pkjwt.target))
    response = app_client.post("/token", data=assertion_form(assertion))
    if not refused_by_the_input_gate(response, assertion):
        assert_invalid_client(response)


@st.composite
def assertions_with_bad_claims(draw: st.DrawFn, target: Target) -> str:
    """Signed by the right key with a clean header; only the claims are wrong (RFC 7523 §3)."""
    good = target.good_claims
    name = draw(st.sampled_from(["iss", "sub", "aud", "jti", "exp", "iat", "nbf", "drop"]))
    claims = dict(good)
    if name == "drop":
        claims.pop(draw(st.sampled_from(["iss", "sub", "aud", "exp"])))
        claims["jti"] = secrets.token_urlsafe(8)
    else:
        if name != "jti":
            claims["jti"] = secrets.token_urlsafe(8)
        bad_values = {
            "iss": st.one_of(st.just("someone-else"), st.just([good["iss"]]), JSON_LEAVES),
            "sub": st.one_of(st.just([good["sub"]]), JSON_VALUES),
            "aud": st.one_of(
                st.sampled_from(["https://other.example", ISSUER + "/userinfo", [], [7]]),
                JSON_VALUES,
            ),
            "jti": st.one_of(st.just(""), st.integers(), st.none(), st.lists(st.text())),
            "exp": st.one_of(
                st.sampled_from([NOW - 11, NOW + 601, float(NOW + 60), str(NOW + 60), True]),
                st.integers(max_value=NOW - 11),
                st.integers(min_value=NOW + 601),
                st.none(),
            ),
            "iat": st.integers(min_value=NOW + 11, max_value=2**80),
            "nbf": st.integers(min_value=NOW + 11, max_value=2**80),
        }
        claims[name] = draw(bad_values[name])
        if name in good and claims[name] == good[name]:  # float(exp) == exp, for one
            claims[name] = "definitely-wrong"
    return target.sign(json.dumps({"alg": "ES256", "kid": target.kid}), json.dumps(claims))


@pytest.mark.postgres
@fuzzed(120)
@given(data=st.data())
def test_rfc7523_3_correctly_signed_assertions_with_bad_claims_are_invalid_client(
    app_client: TestClient, pkjwt: AssertionClient, data: st.DataObject
) -> None:
    """iss = sub = client_id, `aud` is us, `exp` within 10 minutes, `jti` a string, no future
    `iat`/`nbf` beyond the 10 s skew (client_auth._check_assertion_claims)."""
    assertion = data.draw(assertions_with_bad_claims(pkjwt.target))
    assert_invalid_client(app_client.post("/token", data=assertion_form(assertion)))


def test_rfc7523_3_control_a_good_assertion_is_accepted_once(
    app_client: TestClient, pkjwt: AssertionClient
) -> None:
    assertion = pkjwt.target.good_token(jti=secrets.token_urlsafe(8))
    accepted = app_client.post("/token", data=assertion_form(assertion))
    assert accepted.status_code == 200, accepted.text
    assert_invalid_client(app_client.post("/token", data=assertion_form(assertion)))  # replay


def test_rfc7523_3_client_secret_jwt_is_not_offered_so_an_hs256_assertion_is_invalid_client(
    app_client: TestClient, provider: Provider
) -> None:
    """Discovery offers no `client_secret_jwt`: an assertion MACed with the client's own secret
    (RFC 7523 §2.2 with HS256) authenticates nobody."""
    secret_client = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"],
                                redirect_uris=[])
    assert secret_client.client_secret
    claims = {"iss": secret_client.client_id, "sub": secret_client.client_id, "aud": ISSUER,
              "jti": "j-1", "exp": NOW + 60}
    signing_input = (
        f"{b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}."
        f"{b64url(json.dumps(claims).encode())}"
    )
    mac = hmac.new(secret_client.client_secret.encode(), signing_input.encode(), hashlib.sha256)
    assertion = f"{signing_input}.{b64url(mac.digest())}"
    assert_invalid_client(app_client.post("/token", data=assertion_form(assertion)))
    assert app_client.get("/.well-known/openid-configuration").json()[
        "token_endpoint_auth_methods_supported"
    ] == ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]


@pytest.mark.parametrize(
    "jwks",
    [
        {"foo": []},
        {"keys": [{}]},
        {"keys": [{"kty": "EC", "crv": "P-999", "x": "AA", "y": "AA"}]},
        {"keys": [{"kty": "EC", "crv": "P-256", "x": "!!", "y": "??"}]},
    ],
    ids=["no-keys-member", "no-kty", "unknown-curve", "not-base64"],
)
def test_rfc7523_3_unusable_registered_jwks_is_invalid_client_not_a_server_error(
    app_client: TestClient, provider: Provider, jwks: dict[str, Any]
) -> None:
    """The admin API stores any object of lists as `jwks`; what joserfc cannot import must
    still end in `invalid_client` (found by this fuzzing: a KeyError was a 500)."""
    client_id = make_client(
        provider,
        grant_types=["client_credentials"],
        scopes=["postfach"],
        redirect_uris=[],
        token_endpoint_auth_method="private_key_jwt",
        jwks=jwks,
    ).client_id
    claims = {"iss": client_id, "sub": client_id, "aud": ISSUER, "jti": "j", "exp": NOW + 60}
    assertion = Target(ATTACKER, "rp-key-1", claims, client_id).good_token()
    assert_invalid_client(app_client.post("/token", data=assertion_form(assertion)))


@pytest.mark.postgres
def test_rfc6749_2_3_a_nul_in_a_client_id_is_refused_not_a_server_error(
    app_client: TestClient, provider: Provider
) -> None:
    """A NUL drawn into `sub` crashed /token on PostgreSQL, which refuses NUL in text parameters
    (psycopg DataError → 500); the same id reached the database from every entry point."""
    nul = "fuzz\x00client"
    claims = {"iss": nul, "sub": nul, "aud": ISSUER, "jti": "j", "exp": NOW + 60}
    assertion = Target(ATTACKER, "rp-key-1", claims, nul).good_token()
    assert_invalid_client(app_client.post("/token", data=assertion_form(assertion)))
    form = {"grant_type": "client_credentials"}
    # inside HTTP Basic the NUL is base64: no control character on the wire, so it reaches
    # client authentication and must fail there, not in the database
    basic = app_client.post("/token", data=form, auth=(nul, "secret"))
    assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"
    # in a form field or query the input gate refuses it before any lookup (issue 10 #7)
    posted = app_client.post("/token", data={**form, "client_id": nul, "client_secret": "secret"})
    assert refused_by_the_input_gate(posted, nul) and posted.status_code == 400
    for page in (
        app_client.get("/authorize?" + urlencode({"client_id": nul, "redirect_uri": LOGGED_OUT})),
        app_client.get("/logout?" + urlencode({"client_id": nul,
                                              "post_logout_redirect_uri": LOGGED_OUT})),
    ):
        assert refused_by_the_input_gate(page, nul) and page.status_code == 422
    admin = make_client(provider, grant_types=["client_credentials"], scopes=["admin:clients"],
                        redirect_uris=[])
    token = app_client.post("/token", data=form, auth=(admin.client_id, admin.client_secret or ""))
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    path = "/api/v1/admin/clients/fuzz%00client"
    for response in (
        app_client.get(path, headers=bearer),
        app_client.patch(path, headers=bearer, json={"disabled": True}),
        app_client.delete(path, headers=bearer),
    ):
        assert response.status_code == 422, response.text[:300]
        assert response.headers["content-type"] == "application/problem+json"


def test_p18_an_assertion_over_the_cap_is_invalid_client_and_one_over_the_body_cap_is_413(
    app_client: TestClient, pkjwt: AssertionClient
) -> None:
    head = b64url(json.dumps({"alg": "ES256", "kid": "rp-key-1"}).encode())
    body = b64url(json.dumps(pkjwt.target.good_claims).encode())
    padded = f"{head}.{body}.{'A' * (jose.MAX_JWT_BYTES - len(head) - len(body) - 1)}"
    assert len(padded) == jose.MAX_JWT_BYTES + 1
    assert_invalid_client(app_client.post("/token", data=assertion_form(padded)))
    huge = app_client.post("/token", data=assertion_form("A" * (2 * 1024 * 1024)))
    assert huge.status_code == 413, huge.text[:200]


# -- id_token_hint: RP-Initiated Logout 1.0 §2, OIDC Core §3.1.2.1 -------------------------------


@dataclass
class SignedIn:
    """A browser with a session at the OP, and the id_token the client got for it."""

    browser: Browser
    rp: Rp
    id_token: str
    claims: dict[str, Any]


@pytest.fixture
def signed_in(app_client: TestClient, provider: Provider, browser: Browser) -> SignedIn:
    rp = Rp(app_client, make_client(provider))
    params = full_login(browser, rp, make_account(provider))
    tokens = rp.redeem(params["code"])
    assert tokens.status_code == 200, tokens.text
    id_token = str(tokens.json()["id_token"])
    claims = jose.verify_own(provider.keys, id_token)
    assert claims["sid"]
    return SignedIn(browser, rp, id_token, claims)


def forged_hints(provider: Provider, signed: SignedIn) -> st.SearchStrategy[str]:
    """Hostile hints that carry the real `sid`, `aud` and `sub` where they can: accepting one
    would end the session without asking (logout.validate_request, hint_sid == session.sid)."""
    target = hint_target(provider, signed)
    real = {k: signed.claims[k] for k in ("iss", "aud", "sub", "sid", "exp")}
    claims = claims_dicts().map(lambda document: {**real, **document})
    return st.one_of(
        forged_tokens(target, claims), right_key_with_header_defect(target), malformed_tokens()
    )


def hint_target(provider: Provider, signed: SignedIn) -> Target:
    return provider_target(provider, signed.claims, str(signed.claims["sid"]))


def _logout(browser: Browser, **params: str) -> httpx.Response:
    return browser.get("/logout?" + urlencode(params))


def _clears_session(response: httpx.Response) -> bool:
    return any(c.startswith("sk_session=") for c in response.headers.get_list("set-cookie"))


@pytest.mark.postgres
@fuzzed(100)
@given(data=st.data())
def test_rp_initiated_logout_2_a_hostile_hint_never_ends_the_session_without_asking(
    provider: Provider, signed_in: SignedIn, data: st.DataObject
) -> None:
    hint = data.draw(forged_hints(provider, signed_in))
    assume(len(hint) < URL_ROOM)
    page = _logout(signed_in.browser, id_token_hint=hint)
    if refused_by_the_input_gate(page, hint):
        return
    assert page.status_code == 200, (page.status_code, page.headers.get("location"))
    assert 'action="/logout/confirm"' in page.text
    assert "location" not in page.headers and not _clears_session(page)


def test_rp_initiated_logout_2_control_the_real_hint_ends_the_session(
    provider: Provider, signed_in: SignedIn
) -> None:
    for hint in (*_a_few_forged(provider, signed_in), ""):
        page = _logout(signed_in.browser, **({"id_token_hint": hint} if hint else {}))
        assert page.status_code == 200 and 'action="/logout/confirm"' in page.text
    ended = _logout(signed_in.browser, id_token_hint=signed_in.id_token)
    assert ended.status_code == 200 and _clears_session(ended), ended.text[:300]


def _a_few_forged(provider: Provider, signed: SignedIn) -> list[str]:
    target = hint_target(provider, signed)
    claims = json.dumps(signed.claims)
    secret = target.public_secrets[0]
    header = json.dumps({"alg": "ES256", "kid": target.kid})
    return [
        forge(target, header, claims, "attacker", b"", b""),
        forge(target, '{"alg": "none"}', claims, "empty", b"", b""),
        forge(target, '{"alg": "HS256"}', claims, "hmac-with-public-key", b"", secret),
    ]


@pytest.mark.postgres
@fuzzed(60)
@given(data=st.data())
def test_rp_initiated_logout_3_a_hostile_hint_cannot_vouch_for_a_post_logout_redirect_uri(
    app_client: TestClient, provider: Provider, signed_in: SignedIn, data: st.DataObject
) -> None:
    """Without `client_id`, only a valid hint names the client whose registered URIs are
    checked; a hostile one leaves none, so the answer is the 400 page and never a redirect."""
    app_client.cookies.clear()  # no session: a valid hint would redirect at once
    hint = data.draw(forged_hints(provider, signed_in))
    assume(len(hint) < URL_ROOM)
    page = _logout(signed_in.browser, id_token_hint=hint, post_logout_redirect_uri=LOGGED_OUT)
    if refused_by_the_input_gate(page, hint):
        return
    assert page.status_code == 400, (page.status_code, page.headers.get("location"))
    assert "location" not in page.headers
    assert page.headers["content-type"].startswith("text/html")


def test_rp_initiated_logout_3_control_the_real_hint_vouches_for_the_redirect(
    app_client: TestClient, signed_in: SignedIn
) -> None:
    app_client.cookies.clear()
    page = _logout(signed_in.browser, id_token_hint=signed_in.id_token,
                   post_logout_redirect_uri=LOGGED_OUT, state="s-1")
    assert page.status_code == 303 and page.headers["location"] == f"{LOGGED_OUT}?state=s-1"


@pytest.mark.postgres
@fuzzed(60)
@given(data=st.data())
def test_oidc_core_3_1_2_1_prompt_none_with_a_hostile_hint_and_no_session_is_login_required(
    app_client: TestClient, provider: Provider, signed_in: SignedIn, data: st.DataObject
) -> None:
    """/authorize does not read the hint; the hint must not change the silent answer."""
    app_client.cookies.clear()
    hint = data.draw(forged_hints(provider, signed_in))
    assume(len(hint) < URL_ROOM)
    response = signed_in.browser.get(signed_in.rp.authorize_url(prompt="none", id_token_hint=hint))
    if refused_by_the_input_gate(response, hint):
        return
    assert response.status_code == 302, response.text[:300]
    location = response.headers["location"]
    assert location.startswith(signed_in.rp.client.redirect_uri + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params["error"] == "login_required", params
    assert params["state"] == signed_in.rp.state and params["iss"] == ISSUER  # RFC 9207 §2
    assert "code" not in params
