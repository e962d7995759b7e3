"""`/organizations/revoke` is open to anyone with a reference and a Widerrufscode (issue 12
item 4), so its cost must not say whether a reference exists: an unknown, a used and a known
reference each run two argon2id verifications with the same parameters — the letter's two code
hashes, or the fixed dummy hash twice — and get the same answer. (Counted, not timed.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from servicekonto.oidc.provider import Provider
from servicekonto.security.passwords import PasswordHashing
from tests.companies.apply_support import ORIGIN, Person, sign_in
from tests.companies.factories import state_of
from tests.companies.test_apply_pages import _approved_with_letter
from tests.letters.conftest import load
from tests.support import CountingHashing

WRONG = "AAAA-BBBB-CCCC"


@pytest.fixture
def hashing(app_provider: Provider) -> Iterator[CountingHashing]:
    """The app's hashing, swapped for one that records what it verifies against."""
    original = app_provider.hashing
    counting = CountingHashing()
    app_provider.hashing = counting
    yield counting
    app_provider.hashing = original


def _parameters(stored_hash: str) -> str:
    """`$argon2id$v=19$m=…,t=…,p=…`: the kind and the cost of a hash, without salt and digest."""
    match = re.match(r"(\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+)\$", stored_hash)
    assert match, stored_hash
    return match.group(1)


def _revoke(nobody: Person, reference: str, code: str) -> str:
    form = nobody.page("/organizations/revoke")
    answer = nobody.post("/organizations/revoke", form,
                         {"reference": reference, "revocation_code": code})
    assert answer.status_code == 422
    return re.sub(r'value="[^"]*"', "", answer.text)


def test_an_unknown_reference_costs_the_same_two_verifications_as_a_known_one(
    apply_client: TestClient, app_provider: Provider, hashing: CountingHashing
) -> None:
    applicant = sign_in(apply_client, app_provider)
    organisation_id, letter = _approved_with_letter(applicant, app_provider)
    letter_hashes = [load(app_provider, letter.letter_id).code_hash,
                     load(app_provider, letter.letter_id).revocation_code_hash]
    nobody = Person("", "", TestClient(apply_client.app, base_url=ORIGIN))

    known = _revoke(nobody, letter.reference, WRONG)
    known_checked, hashing.checked[:] = list(hashing.checked), []
    unknown = _revoke(nobody, "ZZZZ-0000", WRONG)
    unknown_checked = list(hashing.checked)

    assert known_checked == letter_hashes  # both of the letter's codes
    assert len(unknown_checked) == 2  # and as many without a letter
    assert not set(unknown_checked) & set(letter_hashes)  # … against the dummy hash
    assert len(set(unknown_checked)) == 1
    assert {_parameters(h) for h in known_checked + unknown_checked} == {
        _parameters(h) for h in known_checked}  # argon2id at the same cost
    assert known.split('name="csrf_token"')[0] == unknown.split('name="csrf_token"')[0]
    assert state_of(app_provider.sessions, organisation_id) == "approved"


def test_a_used_letters_reference_costs_the_same_as_an_unknown_one(
    apply_client: TestClient, app_provider: Provider, hashing: CountingHashing
) -> None:
    applicant = sign_in(apply_client, app_provider)
    organisation_id, letter = _approved_with_letter(applicant, app_provider)
    nobody = Person("", "", TestClient(apply_client.app, base_url=ORIGIN))
    form = nobody.page("/organizations/revoke")
    assert letter.revocation_code is not None
    assert nobody.post("/organizations/revoke", form, {
        "reference": letter.reference, "revocation_code": letter.revocation_code,
    }).status_code == 200
    assert state_of(app_provider.sessions, organisation_id) == "closed"
    hashing.checked.clear()

    _revoke(nobody, letter.reference, letter.revocation_code)  # used up: no letter any more
    used_checked, hashing.checked[:] = list(hashing.checked), []
    _revoke(nobody, "ZZZZ-0000", letter.revocation_code)

    assert len(used_checked) == 2 and used_checked == hashing.checked


def test_the_dummy_verification_is_the_hashings_own_burn() -> None:
    """The unknown path goes through `PasswordHashing.burn`: one verification against a fixed
    argon2id hash made with the instance's own cost."""
    counting = CountingHashing()
    counting.burn("ABCD-EFGH-JKLM")
    counting.burn("other guess")
    assert counting.verified == 2
    assert counting.checked[0] == counting.checked[1]
    assert _parameters(counting.checked[0]) == _parameters(counting.hash("x"))
    assert isinstance(counting, PasswordHashing)
