"""The typed error tree and its renderers, without HTTP (issue 11 part 3, DESIGN §6 convention 2).

One class per OAuth error code, each knowing its status, whether it may be sent to the client by
redirect and its WWW-Authenticate challenge; the protocol tests prove the same over HTTP. Each
surface renders them once: OAuth JSON or redirect (`oidc.errors`), problem details
(`api.problems`), the German page (`web.errors`).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

import servicekonto
from servicekonto.api import problems
from servicekonto.errors import (
    AccessDenied,
    ConsentRequired,
    ControlCharacters,
    InputRefused,
    InsufficientScope,
    InteractionRequired,
    InvalidBearerRequest,
    InvalidClient,
    InvalidGrant,
    InvalidInput,
    InvalidRedirectTarget,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    InvalidToken,
    LoginRequired,
    MissingBearerToken,
    NotFound,
    OAuthError,
    RateLimited,
    RequestNotSupported,
    RequestUriNotSupported,
    ServerError,
    ServiceKontoError,
    TemporarilyUnavailable,
    Unauthorized,
    UnauthorizedClient,
    UnknownClient,
    UnmetAuthenticationRequirements,
    UnregisteredRedirectUri,
    UnsupportedGrantType,
    UnsupportedResponseType,
    UnsupportedTokenType,
)
from servicekonto.oidc import errors as oauth_errors
from servicekonto.web import errors as error_pages
from servicekonto.web.pages import CsrfFailure, PageRefused

REDIRECT_URI = "https://rp.example/cb"
ISSUER = "https://konto.example"


def _all_subclasses(base: type[OAuthError]) -> list[type[OAuthError]]:
    """The tree's classes (a module's own specialisation, like grants.GrantReplay, is not one)."""
    found: list[type[OAuthError]] = []
    for sub in base.__subclasses__():
        if sub.__module__ == "servicekonto.errors":
            found += [sub, *_all_subclasses(sub)]
    return found


# -- RFC 6749 §5.2: client authentication failed ------------------------------------------------


def test_rfc6749_5_2_invalid_client_with_basic_auth_answers_401_with_www_authenticate() -> None:
    """A client that used the Authorization header MUST get 401 and a challenge of its scheme."""
    exc = InvalidClient("client authentication failed", basic=True)
    response = oauth_errors.json_response(exc)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="servicekonto"'
    assert json.loads(bytes(response.body)) == {
        "error": "invalid_client",
        "error_description": "client authentication failed",
    }
    assert response.headers["cache-control"] == "no-store"


def test_rfc6749_5_2_invalid_client_without_the_authorization_header_has_no_challenge() -> None:
    """client_secret_post, private_key_jwt: 401 (the MAY of §5.2) and no Basic challenge the
    client never answered."""
    response = oauth_errors.json_response(InvalidClient("client assertion invalid"))
    assert response.status_code == 401
    assert "www-authenticate" not in response.headers


# -- RFC 6750 §3: resource endpoint errors carry a Bearer challenge -----------------------------


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (InvalidToken("the access token is invalid, expired or revoked"), 401),
        (InsufficientScope("the openid scope is required"), 403),
        (InvalidBearerRequest("malformed Authorization header"), 400),
    ],
    ids=["invalid_token", "insufficient_scope", "invalid_request"],
)
def test_rfc6750_3_1_resource_errors_answer_with_a_bearer_challenge_naming_the_error(
    exc: OAuthError, status: int
) -> None:
    response = oauth_errors.json_response(exc)
    assert response.status_code == status
    assert response.headers["www-authenticate"] == (
        f'Bearer realm="servicekonto", error="{exc.error}", '
        f'error_description="{exc.description}"'
    )


def test_rfc6750_3_request_without_any_token_gets_a_challenge_without_an_error_code() -> None:
    """§3.1: a request lacking authentication gets no error code in the challenge."""
    exc = MissingBearerToken("missing access token")
    assert exc.status == 401
    assert exc.www_authenticate == 'Bearer realm="servicekonto"'
    assert exc.error == "invalid_request"


def test_rfc6749_5_2_token_endpoint_errors_carry_no_challenge() -> None:
    for exc in (InvalidGrant("code is invalid or expired"), UnsupportedGrantType(), InvalidScope()):
        response = oauth_errors.json_response(exc)
        assert response.status_code == 400
        assert "www-authenticate" not in response.headers


# -- RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6: which errors may go back by redirect -----------------

REDIRECTABLE: list[type[OAuthError]] = [
    # RFC 6749 §4.1.2.1
    InvalidRequest,
    UnauthorizedClient,
    AccessDenied,
    UnsupportedResponseType,
    InvalidScope,
    ServerError,
    TemporarilyUnavailable,
    # OIDC Core §3.1.2.6
    InteractionRequired,
    LoginRequired,
    ConsentRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    # RFC 8707 §2, OpenID Connect EAP ACR Values §4
    InvalidTarget,
    UnmetAuthenticationRequirements,
]
#: Errors of the token, revocation and resource endpoints: they answer the request itself.
NEVER_REDIRECTED: list[type[OAuthError]] = [
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    UnsupportedTokenType,
    InvalidToken,
    InsufficientScope,
    InvalidBearerRequest,
    MissingBearerToken,
]


def test_every_error_class_is_classified_as_redirectable_or_not() -> None:
    assert set(REDIRECTABLE) | set(NEVER_REDIRECTED) == set(_all_subclasses(OAuthError))


@pytest.mark.parametrize("kind", REDIRECTABLE, ids=lambda k: k.error)
def test_rfc6749_4_1_2_1_authorization_errors_are_sent_to_the_validated_redirect_uri(
    kind: type[OAuthError],
) -> None:
    exc = kind("why").to_client(REDIRECT_URI, "state-1")
    assert kind.redirectable
    query = dict(parse_qsl(urlsplit(oauth_errors.redirect_location(exc, issuer=ISSUER)).query))
    assert query == {
        "error": kind.error,
        "error_description": "why",
        "state": "state-1",
        "iss": ISSUER,  # RFC 9207 §2
    }


@pytest.mark.parametrize("kind", NEVER_REDIRECTED, ids=lambda k: f"{k.__name__}")
def test_rfc6749_4_1_2_1_token_and_resource_errors_are_never_redirected(
    kind: type[OAuthError],
) -> None:
    exc = kind("why").to_client(REDIRECT_URI, "state-1")
    assert not kind.redirectable
    assert exc.redirect_uri is None and exc.state is None
    with pytest.raises(ValueError, match="not addressed"):
        oauth_errors.redirect_location(exc, issuer=ISSUER)


def test_rfc6749_4_1_2_1_an_unaddressed_error_is_never_redirected() -> None:
    """Only the endpoint that validated the redirect_uri addresses an error to it."""
    with pytest.raises(ValueError):
        oauth_errors.redirect_location(LoginRequired("x"), issuer=ISSUER)


def test_rfc6749_3_1_2_error_redirect_keeps_the_registered_query_and_omits_an_absent_state() -> (
    None
):
    exc = AccessDenied("the end-user denied the request").to_client(f"{REDIRECT_URI}?a=1", None)
    target = urlsplit(oauth_errors.redirect_location(exc, issuer=ISSUER))
    assert parse_qsl(target.query) == [
        ("a", "1"),
        ("error", "access_denied"),
        ("error_description", "the end-user denied the request"),
        ("iss", ISSUER),
    ]


def test_rfc6749_4_1_2_1_redirect_target_errors_are_pages_never_oauth_errors() -> None:
    """An unknown client or an unregistered redirect_uri must not be redirected to: they are
    not OAuth errors at all, so no `except OAuthError` can send them to a client."""
    for kind in (UnknownClient, UnregisteredRedirectUri, InvalidRedirectTarget):
        assert not issubclass(kind, OAuthError)
        assert issubclass(kind, ServiceKontoError)
        assert kind("x").status == 400
    assert UnknownClient.reason != UnregisteredRedirectUri.reason


# -- the tree ----------------------------------------------------------------------------------


def test_one_class_per_registered_error_code() -> None:
    """Direct subclasses of OAuthError each own one code; the Bearer variants of
    invalid_request specialise its class rather than repeating its code."""
    direct = [k for k in OAuthError.__subclasses__() if k.__module__ == "servicekonto.errors"]
    codes = [kind.error for kind in direct]
    assert len(codes) == len(set(codes))
    for kind in _all_subclasses(OAuthError):
        assert kind.error.isascii() and kind.error.replace("_", "").isalpha()
    assert {InvalidBearerRequest.error, MissingBearerToken.error} == {InvalidRequest.error}
    assert issubclass(InvalidBearerRequest, InvalidRequest)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (InvalidRequest(), 400),
        (InvalidClient(), 401),
        (InvalidGrant(), 400),
        (UnauthorizedClient(), 400),
        (UnsupportedGrantType(), 400),
        (InvalidScope(), 400),
        (UnsupportedTokenType(), 400),
        (InvalidToken(), 401),
        (InsufficientScope(), 403),
        (ServerError(), 500),
        (TemporarilyUnavailable(), 503),
    ],
    ids=lambda v: v.error if isinstance(v, OAuthError) else str(v),
)
def test_rfc6749_5_2_each_error_knows_its_http_status(exc: OAuthError, status: int) -> None:
    assert exc.status == status
    assert exc.code == exc.error  # what the other surfaces print as the title
    assert exc.description == exc.error  # no description: the code itself, never empty


def test_existing_except_oauth_error_catches_every_code() -> None:
    for kind in _all_subclasses(OAuthError):
        with pytest.raises(OAuthError):
            raise kind("x")


def test_a_framework_refusal_keeps_its_status_in_oauth_format() -> None:
    response = oauth_errors.framework_error(405, "Method Not Allowed")
    assert response.status_code == 405
    assert json.loads(bytes(response.body))["error"] == "invalid_request"


def test_the_input_gate_speaks_oauth_at_json_endpoints_other_errors_do_not() -> None:
    translated = oauth_errors.as_oauth_error(ControlCharacters("control character in form"))
    assert isinstance(translated, InvalidRequest)
    assert translated.description == "control character in form"
    assert oauth_errors.as_oauth_error(NotFound()) is None


def test_input_refused_carries_its_machine_codes() -> None:
    exc = InputRefused(["password_too_short", "password_too_common"])
    assert exc.problems == ("password_too_short", "password_too_common")
    assert isinstance(exc, InvalidInput) and exc.status == 422
    # The API keeps answering the codes as the problem's detail.
    assert exc.description == "password_too_short, password_too_common"


# -- the other surfaces ----------------------------------------------------------------------


def test_rfc9457_problem_for_unauthorized_has_a_bearer_challenge() -> None:
    response = problems.problem_for_error(Unauthorized("missing bearer token"))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="servicekonto"'
    assert json.loads(bytes(response.body)) == {
        "type": "about:blank",
        "title": "unauthorized",
        "status": 401,
        "detail": "missing bearer token",
    }


def test_rfc9457_problem_for_rate_limited_says_when_to_retry() -> None:
    response = problems.problem_for_error(RateLimited(retry_after=17))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "17"


@pytest.mark.parametrize(
    ("exc", "keys"),
    [
        (UnknownClient("unknown client_id"), ("error.title", "error.invalid_client")),
        (UnregisteredRedirectUri("x"), ("error.title", "error.invalid_redirect_uri")),
        (InvalidRedirectTarget("parameter x repeated"), ("error.title", "error.invalid_request")),
        (CsrfFailure(), ("error.csrf_title", "error.csrf")),
        (ControlCharacters(), ("error.title", "error.control_characters")),
        (Unauthorized(), ("error.title", "error.generic")),
        (NotFound(), ("error.title", "error.not_found")),
        (
            PageRefused("x", message_key="dispatch.error.too_many", status=403),
            ("error.forbidden_title", "dispatch.error.too_many"),
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, ServiceKontoError) else "",
)
def test_the_page_is_chosen_by_the_errors_type_then_its_status(
    exc: ServiceKontoError, keys: tuple[str, str]
) -> None:
    assert error_pages.page_keys(exc) == keys


# -- no code path reads an error's description to decide anything ------------------------------


def _description_reads(tree: ast.AST) -> list[int]:
    """Lines where `.description` is compared, sliced, or has a method called on it (split,
    startswith, …): deciding by the text instead of the type. Passing it on (rendering,
    logging, a constructor) is fine."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "description"):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Compare | ast.Subscript) or (
            isinstance(parent, ast.Attribute) and parent.value is node
        ):
            found.append(node.lineno)
    return sorted(found)


def test_no_code_path_matches_on_error_description_text() -> None:
    package = Path(servicekonto.__file__).parent
    offenders = {
        str(path.relative_to(package)): lines
        for path in sorted(package.rglob("*.py"))
        if (lines := _description_reads(ast.parse(path.read_text("utf-8"))))
    }
    assert offenders == {}


def test_the_description_check_finds_what_it_is_meant_to_find() -> None:
    code = (
        "if exc.description == 'unknown client_id': pass\n"
        "problems = exc.description.split(',')\n"
        "first = exc.description[0]\n"
        "render(exc.description)\n"
    )
    assert _description_reads(ast.parse(code)) == [1, 2, 3]
