"""Binding a login means at the level it grants (TR-03160-1 §4.2/§4.3, issue 15 item 2) and the
re-authentication level for removing and unblocking (TR-03160-1 §4.4, issue 10 item 5)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts import means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.clock import FixedClock
from servicekonto.db.models import LoginMeans
from servicekonto.security.sealing import Sealer
from tests.means.conftest import enrol, new_account, verify

#: Conditional UPDATEs and the shared throttle: both backends.
pytestmark = pytest.mark.postgres


def _confirm(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer, code: str
) -> bool:
    with sessions() as db:
        ok = means.confirm_holder(
            db, account_id=account_id, code=code, sealer=sealer, now=clock.now()
        )
        db.commit()
        return ok


def _reauth_level(sessions: sessionmaker[Session], account_id: str) -> TrustLevel:
    with sessions() as db:
        return means.reauth_level(db, account_id)


def test_tr03160_4_3_a_totp_confirmed_without_binding_logs_in_unbound(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    enrolled = enrol(sessions, clock, account_id, sealer)
    result = verify(sessions, clock, account_id, sealer, enrolled.code(clock))
    assert result is not None and result.bound is False
    with sessions() as db:
        assert means.has_active_totp(db, account_id)
        assert not means.has_bound_totp(db, account_id)
        [view] = means.list_means(db, account_id)
        assert view.bound is False and view.level == TrustLevel.LOW


def test_tr03160_4_2_a_totp_confirmed_in_a_substantial_session_is_bound(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    enrolled = enrol(sessions, clock, account_id, sealer, bind=True)
    result = verify(sessions, clock, account_id, sealer, enrolled.recovery_codes[0])
    assert result is not None and result.bound is True
    with sessions() as db:
        assert means.has_bound_totp(db, account_id)
        [view] = means.list_means(db, account_id)
        assert view.level == TrustLevel.SUBSTANTIAL


def test_tr03160_4_3_bind_totp_binds_once_and_only_the_holders_active_totp(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    enrolled = enrol(sessions, clock, account_id, sealer)
    stranger = new_account(sessions, clock)
    with sessions() as db:
        assert not means.bind_totp(
            db, account_id=stranger, means_id=enrolled.means_id, now=clock.now()
        )
        assert means.bind_totp(
            db, account_id=account_id, means_id=enrolled.means_id, now=clock.now()
        )
        assert not means.bind_totp(
            db, account_id=account_id, means_id=enrolled.means_id, now=clock.now()
        )
        db.commit()
    with sessions() as db:
        assert means.has_bound_totp(db, account_id)
        means.block_means(db, account_id=account_id, means_id=enrolled.means_id, now=clock.now())
        db.commit()
    other = new_account(sessions, clock)
    blocked = enrol(sessions, clock, other, sealer)
    with sessions() as db:
        means.block_means(db, account_id=other, means_id=blocked.means_id, now=clock.now())
        assert not means.bind_totp(db, account_id=other, means_id=blocked.means_id, now=clock.now())


def test_tr03160_4_4_reauth_level_is_the_strongest_means_blocked_ones_included(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    assert _reauth_level(sessions, account_id) == TrustLevel.LOW  # the password alone
    unbound_account = new_account(sessions, clock)
    enrol(sessions, clock, unbound_account, sealer)
    assert _reauth_level(sessions, unbound_account) == TrustLevel.LOW

    enrolled = enrol(sessions, clock, account_id, sealer, bind=True)
    assert _reauth_level(sessions, account_id) == TrustLevel.SUBSTANTIAL
    with sessions() as db:
        means.block_means(db, account_id=account_id, means_id=enrolled.means_id, now=clock.now())
        db.commit()
    # blocking with the password must not lower what removing needs (issue 10 item 5)
    assert _reauth_level(sessions, account_id) == TrustLevel.SUBSTANTIAL
    with sessions() as db:
        means.add_eid_means(
            db, account_id=account_id, lookup_digest="d" * 64, label="Ausweis", now=clock.now()
        )
        db.commit()
    assert _reauth_level(sessions, account_id) == TrustLevel.HIGH
    with sessions() as db:
        card = db.query(LoginMeans).filter_by(kind="eid").one()
        assert card.bound_at is not None  # read at `high` when linked


def test_tr03160_4_4_confirm_holder_takes_a_bound_code_or_recovery_code_even_when_blocked(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    enrolled = enrol(sessions, clock, account_id, sealer, bind=True)
    assert not _confirm(sessions, clock, account_id, sealer, "000000")
    assert _confirm(sessions, clock, account_id, sealer, enrolled.code(clock))
    with sessions() as db:
        means.block_means(db, account_id=account_id, means_id=enrolled.means_id, now=clock.now())
        db.commit()
    clock.advance(seconds=30)
    # blocked: the app's codes no longer count, its recovery codes do (the holder's way back)
    assert not _confirm(sessions, clock, account_id, sealer, enrolled.code(clock))
    assert _confirm(sessions, clock, account_id, sealer, enrolled.recovery_codes[0])
    assert not _confirm(sessions, clock, account_id, sealer, enrolled.recovery_codes[0])
    # ...and at a login they still do not (TR-03160-1 §4.4)
    assert verify(sessions, clock, account_id, sealer, enrolled.recovery_codes[1]) is None


def test_tr03160_4_3_confirm_holder_refuses_an_unbound_totp(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    enrolled = enrol(sessions, clock, account_id, sealer)
    assert not _confirm(sessions, clock, account_id, sealer, enrolled.code(clock))
    assert not _confirm(sessions, clock, account_id, sealer, enrolled.recovery_codes[0])


def test_tr03160_4_4_unblock_only_a_blocked_means_of_the_holder(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> None:
    enrolled = enrol(sessions, clock, account_id, sealer, bind=True)
    stranger = new_account(sessions, clock)
    with sessions() as db:
        assert not means.unblock_means(db, account_id=account_id, means_id=enrolled.means_id)
        means.block_means(db, account_id=account_id, means_id=enrolled.means_id, now=clock.now())
        assert not means.unblock_means(db, account_id=stranger, means_id=enrolled.means_id)
        assert means.unblock_means(db, account_id=account_id, means_id=enrolled.means_id)
        db.commit()
    assert verify(sessions, clock, account_id, sealer, enrolled.code(clock)) is not None
