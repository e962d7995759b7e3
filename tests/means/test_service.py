"""The login-means service: enrolment (TR-03160-1 §4.2), second-factor login with replay
protection (RFC 6238 §5.2) and the shared throttle (DESIGN §8), recovery codes, blocking
(TR-03160-1 §4.4), removal, and eID links."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts import means
from servicekonto.accounts.service import LOCK_THRESHOLD
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, LoginMeans, RecoveryCode
from servicekonto.errors import Conflict, InvalidInput, NotFound
from servicekonto.letters.codes import ALPHABET as LETTER_ALPHABET
from servicekonto.security import totp
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import digest
from tests.means.conftest import Enrolled, enrol, new_account, secret_of, verify

#: Locking involves a CASE over timestamps and conditional UPDATEs: both backends.
pytestmark = pytest.mark.postgres


def _start(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> means.TotpEnrolment:
    with sessions() as db:
        started = means.start_totp_enrolment(
            db,
            account_id=account_id,
            sealer=sealer,
            now=clock.now(),
            account_name="erika@example.org",
            issuer="Servicekonto Test",
        )
        db.commit()
    return started


def _means(sessions: sessionmaker[Session], means_id: str) -> LoginMeans | None:
    with sessions() as db:
        found = db.get(LoginMeans, means_id)
        if found is not None:
            db.expunge(found)
        return found


def _failures(sessions: sessionmaker[Session], account_id: str) -> tuple[int, object]:
    with sessions() as db:
        account = db.get(Account, account_id)
        assert account is not None
        return account.failed_logins, account.locked_until


# -- enrolment (TR-03160-1 §4.2) -------------------------------------------------------------------


def test_tr03160_4_2_enrolment_is_pending_until_confirmed_with_a_code(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    started = _start(sessions, clock, account_id, sealer)
    assert started.provisioning_uri.startswith("otpauth://totp/Servicekonto%20Test:")
    assert f"secret={started.secret_base32}" in started.provisioning_uri
    assert started.qr_svg.startswith("<svg ")
    pending = _means(sessions, started.means_id)
    assert pending is not None and pending.state == "pending" and pending.kind == "totp"
    with sessions() as db:
        assert not means.has_active_totp(db, account_id)

    code = totp.code_at(secret_of(started), totp.time_step(clock.now()))
    with sessions() as db:
        codes = means.confirm_totp_enrolment(
            db,
            account_id=account_id,
            means_id=started.means_id,
            code=code,
            sealer=sealer,
            now=clock.now(),
        )
        db.commit()
    active = _means(sessions, started.means_id)
    assert active is not None and active.state == "active"
    assert active.confirmed_at == clock.now()
    assert active.last_used_step == totp.time_step(clock.now())
    assert len(codes) == means.RECOVERY_CODE_COUNT == len(set(codes))
    with sessions() as db:
        assert means.has_active_totp(db, account_id)


def test_tr03160_4_2_confirm_with_a_wrong_code_activates_nothing(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    started = _start(sessions, clock, account_id, sealer)
    right = totp.code_at(secret_of(started), totp.time_step(clock.now()))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with sessions() as db, pytest.raises(InvalidInput, match="the code does not match"):
        means.confirm_totp_enrolment(
            db,
            account_id=account_id,
            means_id=started.means_id,
            code=wrong,
            sealer=sealer,
            now=clock.now(),
        )
    pending = _means(sessions, started.means_id)
    assert pending is not None and pending.state == "pending" and pending.confirmed_at is None
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_pending_totp_shows_the_same_enrolment_again_only_to_its_holder(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    started = _start(sessions, clock, account_id, sealer)
    stranger = new_account(sessions, clock)
    with sessions() as db:
        again = means.pending_totp(
            db,
            account_id=account_id,
            means_id=started.means_id,
            sealer=sealer,
            account_name="erika@example.org",
            issuer="Servicekonto Test",
        )
        assert again == started
        default_name = means.pending_totp(
            db, account_id=account_id, means_id=started.means_id, sealer=sealer
        )
        assert default_name is not None and default_name.secret_base32 == started.secret_base32
        account = db.get(Account, account_id)
        assert account is not None and account.email is not None
        assert account.email.split("@")[0] in default_name.provisioning_uri
        assert (
            means.pending_totp(db, account_id=stranger, means_id=started.means_id, sealer=sealer)
            is None
        )
        expired = clock.now() + means.ENROLMENT_VALIDITY
        assert (
            means.pending_totp(
                db, account_id=account_id, means_id=started.means_id, sealer=sealer, now=expired
            )
            is None
        )


def test_confirm_refuses_another_accounts_enrolment_and_an_expired_one(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    started = _start(sessions, clock, account_id, sealer)
    stranger = new_account(sessions, clock)
    code = totp.code_at(secret_of(started), totp.time_step(clock.now()))
    with sessions() as db, pytest.raises(NotFound):
        means.confirm_totp_enrolment(
            db,
            account_id=stranger,
            means_id=started.means_id,
            code=code,
            sealer=sealer,
            now=clock.now(),
        )
    later = clock.advance(seconds=means.ENROLMENT_VALIDITY.total_seconds())
    late_code = totp.code_at(secret_of(started), totp.time_step(later))
    with sessions() as db, pytest.raises(NotFound):
        means.confirm_totp_enrolment(
            db,
            account_id=account_id,
            means_id=started.means_id,
            code=late_code,
            sealer=sealer,
            now=later,
        )


def test_a_new_start_replaces_the_pending_one_and_active_totp_blocks_a_start(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    first = _start(sessions, clock, account_id, sealer)
    second = _start(sessions, clock, account_id, sealer)
    assert _means(sessions, first.means_id) is None
    assert second.secret_base32 != first.secret_base32
    code = totp.code_at(secret_of(second), totp.time_step(clock.now()))
    with sessions() as db:
        means.confirm_totp_enrolment(
            db,
            account_id=account_id,
            means_id=second.means_id,
            code=code,
            sealer=sealer,
            now=clock.now(),
        )
        db.commit()
    with pytest.raises(Conflict):
        _start(sessions, clock, account_id, sealer)


def test_recovery_codes_are_readable_grouped_high_entropy_and_stored_as_digests(
    sessions: sessionmaker[Session], enrolled: Enrolled, account_id: str
) -> None:
    # The alphabet is the PIN letter's, repeated only because the layers keep them apart.
    assert means.RECOVERY_ALPHABET == LETTER_ALPHABET
    group = f"[{LETTER_ALPHABET}]{{4}}"
    pattern = re.compile(f"{group}-{group}-{group}")
    assert all(pattern.fullmatch(code) for code in enrolled.recovery_codes)
    assert means.RECOVERY_LENGTH * math.log2(len(means.RECOVERY_ALPHABET)) >= 50
    with sessions() as db:
        stored = set(
            db.scalars(select(RecoveryCode.digest).where(RecoveryCode.account_id == account_id))
        )
    assert stored == {digest(c.replace("-", "")) for c in enrolled.recovery_codes}


def test_sealed_secret_is_not_in_the_database_in_clear(
    sessions: sessionmaker[Session], enrolled: Enrolled, sealer: Sealer
) -> None:
    with sessions() as db:
        raw = db.execute(
            text("SELECT secret_sealed FROM login_means WHERE id = :id"), {"id": enrolled.means_id}
        ).scalar_one()
    assert isinstance(raw, str) and raw
    assert totp.to_base32(enrolled.secret) not in raw
    assert enrolled.secret.hex() not in raw
    assert sealer.open(raw, aad=enrolled.means_id) == enrolled.secret
    with pytest.raises(InvalidTag):  # bound to its row: another means id does not open it
        sealer.open(raw, aad="another-means-id")


def test_an_app_the_operator_sets_up_is_active_and_bound_and_its_codes_log_in(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    """`staff add` and the demo seed: the operator hands the secret to the person (a binding out
    of band), so the app counts for `substantial` at once; a second one is refused."""
    given = b"k" * totp.SECRET_BYTES
    with sessions() as db:
        secret = means.set_up_bound_totp(
            db, account_id=account_id, sealer=sealer, now=clock.now(), secret=given
        )
        db.commit()
    assert secret == given
    with sessions() as db:
        assert means.has_bound_totp(db, account_id)
        with pytest.raises(Conflict):
            means.set_up_bound_totp(db, account_id=account_id, sealer=sealer, now=clock.now())
    clock.advance(seconds=30)
    result = verify(sessions, clock, account_id, sealer,
                    totp.code_at(given, totp.time_step(clock.now())))
    assert result is not None and result.method == "totp" and result.bound


# -- second factor at login (RFC 6238 §5.2, DESIGN §8) ---------------------------------------------


def test_rfc6238_5_2_totp_login_accepts_window_and_rejects_two_steps(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    assert verify(sessions, clock, account_id, sealer, enrolled.code(clock, 2)) is None
    assert verify(sessions, clock, account_id, sealer, enrolled.code(clock, -2)) is None
    # The window, in rising order (each accepted step must be later than the last one).
    for offset in (-1, 0, 1):
        clock.advance(seconds=3 * totp.PERIOD)
        result = verify(sessions, clock, account_id, sealer, enrolled.code(clock, offset))
        assert result is not None, offset
        assert result.method == "totp" and result.means_id == enrolled.means_id
        assert result.recovery_codes_left == means.RECOVERY_CODE_COUNT


def test_rfc6238_5_2_the_confirming_code_cannot_be_replayed_at_login(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    started = _start(sessions, clock, account_id, sealer)
    code = totp.code_at(secret_of(started), totp.time_step(clock.now()))
    with sessions() as db:
        means.confirm_totp_enrolment(
            db,
            account_id=account_id,
            means_id=started.means_id,
            code=code,
            sealer=sealer,
            now=clock.now(),
        )
        db.commit()
    assert verify(sessions, clock, account_id, sealer, code) is None


def test_rfc6238_5_2_a_used_code_is_rejected(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    code = enrolled.code(clock)
    assert verify(sessions, clock, account_id, sealer, code) is not None
    assert verify(sessions, clock, account_id, sealer, code) is None
    clock.advance(seconds=10)  # still inside the window: the step, not the moment, is spent
    assert verify(sessions, clock, account_id, sealer, code) is None


def test_rfc6238_5_2_an_older_step_after_a_newer_one_is_rejected(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    newer, older = enrolled.code(clock, 1), enrolled.code(clock, 0)
    assert verify(sessions, clock, account_id, sealer, newer) is not None
    assert verify(sessions, clock, account_id, sealer, older) is None
    stored = _means(sessions, enrolled.means_id)
    assert stored is not None
    assert stored.last_used_step == totp.time_step(clock.now()) + 1
    assert stored.last_used_at == clock.now()


def test_tr03160_4_2_a_pending_totp_is_not_accepted_at_login(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    started = _start(sessions, clock, account_id, sealer)
    code = totp.code_at(secret_of(started), totp.time_step(clock.now()))
    assert verify(sessions, clock, account_id, sealer, code) is None


def test_a_code_of_another_accounts_totp_is_rejected(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    stranger = new_account(sessions, clock)
    enrol(sessions, clock, stranger, sealer)
    assert verify(sessions, clock, stranger, sealer, enrolled.code(clock)) is None


@pytest.mark.parametrize("garbage", ["", "      ", "abc", "١٢٣٤٥٦", "x" * 100_000, "12345678"])
def test_malformed_input_returns_none_and_never_raises(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
    garbage: str,
) -> None:
    assert verify(sessions, clock, account_id, sealer, garbage) is None


def test_design_8_second_factor_failures_lock_the_account_like_passwords(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    right = enrolled.code(clock)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(LOCK_THRESHOLD):
        assert verify(sessions, clock, account_id, sealer, wrong) is None
    failures, locked_until = _failures(sessions, account_id)
    assert failures == LOCK_THRESHOLD and locked_until is not None
    # Locked: the right code and a right recovery code get the same None as a wrong code …
    assert verify(sessions, clock, account_id, sealer, right) is None
    assert verify(sessions, clock, account_id, sealer, enrolled.recovery_codes[0]) is None
    assert _failures(sessions, account_id)[0] == LOCK_THRESHOLD  # not counted while locked
    # … and the recovery code was not even looked at, so it is not spent.
    with sessions() as db:
        assert (
            db.scalar(
                select(func.count())
                .select_from(RecoveryCode)
                .where(RecoveryCode.used_at.is_not(None))
            )
            == 0
        )
    # The lock is temporary; afterwards a right code works and clears the counter.
    clock.advance(minutes=1)
    assert verify(sessions, clock, account_id, sealer, enrolled.code(clock)) is not None
    assert _failures(sessions, account_id) == (0, None)


def test_design_8_success_resets_the_counter(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    right = enrolled.code(clock)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(LOCK_THRESHOLD - 1):
        assert verify(sessions, clock, account_id, sealer, wrong) is None
    assert _failures(sessions, account_id)[0] == LOCK_THRESHOLD - 1
    assert verify(sessions, clock, account_id, sealer, right) is not None
    assert _failures(sessions, account_id) == (0, None)
    # A fresh budget: four more failures do not lock.
    for _ in range(LOCK_THRESHOLD - 1):
        assert verify(sessions, clock, account_id, sealer, wrong) is None
    assert _failures(sessions, account_id)[1] is None


# -- recovery codes --------------------------------------------------------------------------------


def test_recovery_code_is_single_use_and_normalised(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    first, second, third = enrolled.recovery_codes[:3]
    result = verify(sessions, clock, account_id, sealer, first)
    assert result is not None and result.method == "recovery"
    assert result.recovery_codes_left == means.RECOVERY_CODE_COUNT - 1
    assert verify(sessions, clock, account_id, sealer, first) is None
    # Lower case, without dashes, with spaces: the same code.
    lower = verify(sessions, clock, account_id, sealer, second.lower())
    assert lower is not None and lower.recovery_codes_left == means.RECOVERY_CODE_COUNT - 2
    spaced = " ".join(third.replace("-", "")[i : i + 3] for i in range(0, 12, 3))
    assert verify(sessions, clock, account_id, sealer, spaced) is not None
    assert verify(sessions, clock, account_id, sealer, third.replace("-", "")) is None
    stored = _means(sessions, enrolled.means_id)
    assert stored is not None and stored.last_used_at == clock.now()


def test_another_accounts_recovery_code_is_rejected(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    stranger = new_account(sessions, clock)
    enrol(sessions, clock, stranger, sealer)
    assert verify(sessions, clock, stranger, sealer, enrolled.recovery_codes[0]) is None


def test_regenerating_recovery_codes_voids_the_old_ones(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    with sessions() as db:
        fresh = means.regenerate_recovery_codes(db, account_id=account_id, now=clock.now())
        db.commit()
    assert len(fresh) == means.RECOVERY_CODE_COUNT and not set(fresh) & set(enrolled.recovery_codes)
    assert verify(sessions, clock, account_id, sealer, enrolled.recovery_codes[0]) is None
    assert verify(sessions, clock, account_id, sealer, fresh[0]) is not None


def test_regenerating_needs_an_active_totp(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    with sessions() as db, pytest.raises(Conflict):
        means.regenerate_recovery_codes(db, account_id=account_id, now=clock.now())


# -- blocking and removal (TR-03160-1 §4.4) --------------------------------------------------------


def test_tr03160_4_4_a_blocked_totp_and_its_recovery_codes_are_rejected(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    with sessions() as db:
        assert means.block_means(
            db, account_id=account_id, means_id=enrolled.means_id, now=clock.now()
        )
        db.commit()
    assert verify(sessions, clock, account_id, sealer, enrolled.code(clock)) is None
    assert verify(sessions, clock, account_id, sealer, enrolled.recovery_codes[0]) is None
    with sessions() as db:
        assert not means.has_active_totp(db, account_id)
        # Blocked, not active: a new app may be enrolled in its place.
    _start(sessions, clock, account_id, sealer)


def test_tr03160_4_4_block_is_idempotent_and_refuses_other_accounts_means(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    stranger = new_account(sessions, clock)
    first_block = clock.now()
    with sessions() as db:
        assert not means.block_means(
            db, account_id=stranger, means_id=enrolled.means_id, now=first_block
        )
        assert not means.block_means(
            db, account_id=account_id, means_id="no-such-means", now=first_block
        )
        db.commit()
    blocked = _means(sessions, enrolled.means_id)
    assert blocked is not None and blocked.state == "active"

    for _ in range(2):
        with sessions() as db:
            assert means.block_means(
                db, account_id=account_id, means_id=enrolled.means_id, now=clock.now()
            )
            db.commit()
        clock.advance(minutes=5)
    blocked = _means(sessions, enrolled.means_id)
    assert blocked is not None and blocked.state == "blocked"
    assert blocked.blocked_at == first_block  # the first block's time stays


def test_remove_deletes_the_means_with_its_recovery_codes(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    stranger = new_account(sessions, clock)
    with sessions() as db:
        assert not means.remove_means(db, account_id=stranger, means_id=enrolled.means_id)
        db.commit()
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(RecoveryCode)) == 10
        assert means.remove_means(db, account_id=account_id, means_id=enrolled.means_id)
        db.commit()
    assert _means(sessions, enrolled.means_id) is None
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        assert means.list_means(db, account_id) == []
        assert not means.remove_means(db, account_id=account_id, means_id=enrolled.means_id)


def test_tr03160_4_2_list_means_newest_first_with_recovery_codes_left(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
) -> None:
    assert verify(sessions, clock, account_id, sealer, enrolled.recovery_codes[0]) is not None
    clock.advance(minutes=1)
    with sessions() as db:
        card = means.add_eid_means(
            db,
            account_id=account_id,
            lookup_digest="d" * 43,
            label="Personalausweis (gültig bis 01.01.2030)",
            now=clock.now(),
        )
        db.commit()
    with sessions() as db:
        listed = means.list_means(db, account_id)
    assert [m.id for m in listed] == [card.id, enrolled.means_id]
    eid, app = listed
    assert (eid.kind, eid.state, eid.recovery_codes_left) == ("eid", "active", None)
    assert (app.kind, app.state, app.label) == ("totp", "active", means.TOTP_LABEL)
    assert app.recovery_codes_left == means.RECOVERY_CODE_COUNT - 1
    assert app.last_used_at is not None and app.blocked_at is None


# -- eID links -------------------------------------------------------------------------------------


def test_an_eid_card_links_one_account_and_the_refusal_keeps_the_transaction(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    other = new_account(sessions, clock)
    with sessions() as db:
        means.add_eid_means(
            db, account_id=account_id, lookup_digest="card-1", label="Ausweis", now=clock.now()
        )
        db.commit()
    with sessions() as db:
        # Work the caller did before the refusal must survive it (SAVEPOINT).
        db.execute(update(Account).where(Account.id == other).values(locale="en"))
        with pytest.raises(Conflict):
            means.add_eid_means(
                db, account_id=other, lookup_digest="card-1", label="Ausweis", now=clock.now()
            )
        means.add_eid_means(
            db, account_id=other, lookup_digest="card-2", label="Ausweis", now=clock.now()
        )
        db.commit()
    with sessions() as db:
        found = means.find_eid_means(db, "card-1")
        assert found is not None and found.account_id == account_id and found.state == "active"
        second = means.find_eid_means(db, "card-2")
        assert second is not None and second.account_id == other
        assert means.find_eid_means(db, "card-3") is None
        account = db.get(Account, other)
        assert account is not None and account.locale == "en"
        means.touch_means(db, second.id, clock.now() + timedelta(hours=1))
        db.commit()
    with sessions() as db:
        touched = db.get(LoginMeans, second.id)
        assert touched is not None and touched.last_used_at == clock.now() + timedelta(hours=1)


def test_a_blocked_card_is_still_found_so_the_caller_can_refuse_it(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    with sessions() as db:
        card = means.add_eid_means(
            db, account_id=account_id, lookup_digest="card-9", label="Ausweis", now=clock.now()
        )
        assert means.block_means(db, account_id=account_id, means_id=card.id, now=clock.now())
        db.commit()
    with sessions() as db:
        found = means.find_eid_means(db, "card-9")
        assert found is not None and found.state == "blocked"
