from dataclasses import replace
from datetime import date

import pytest

from backend.domain.errors import IllegalTransition
from backend.domain.lease import Addendum, LeaseStatus
from backend.domain.status import effective_status, is_registered, transition
from tests import factories

S = LeaseStatus
TODAY = date(2026, 3, 10)


def test_the_usual_cycle_draft_to_registered_is_allowed() -> None:
    lease = factories.lease()
    for target in (S.BOOKED, S.ON_SIGNING, S.SIGNED, S.REGISTERED):
        result = transition(lease, target, TODAY)
        assert result.changed
        assert result.after is target
    assert lease.status is S.REGISTERED
    assert is_registered(lease)


def test_negotiation_stages_can_move_back_and_forth() -> None:
    lease = factories.lease(status=S.ON_SIGNING)
    transition(lease, S.BOOKED, TODAY)
    transition(lease, S.DRAFT, TODAY)
    assert lease.status is S.DRAFT


def test_signed_lease_cannot_be_cancelled_and_the_error_says_why() -> None:
    lease = factories.lease(status=S.SIGNED)
    with pytest.raises(IllegalTransition) as caught:
        transition(lease, S.CANCELLED, TODAY)
    assert "signed lease is terminated, not cancelled" in str(caught.value)
    assert caught.value.current == S.SIGNED
    assert caught.value.target == S.CANCELLED
    assert lease.status is S.SIGNED


def test_signed_lease_cannot_go_back_to_negotiation() -> None:
    lease = factories.lease(status=S.SIGNED)
    with pytest.raises(IllegalTransition, match="already signed"):
        transition(lease, S.ON_SIGNING, TODAY)


def test_registration_needs_a_signature_first() -> None:
    lease = factories.lease(status=S.ON_SIGNING)
    with pytest.raises(IllegalTransition, match="registered only after it is signed"):
        transition(lease, S.REGISTERED, TODAY)


def test_terminated_is_final() -> None:
    lease = factories.lease(status=S.TERMINATED)
    with pytest.raises(IllegalTransition, match="final"):
        transition(lease, S.DRAFT, TODAY)


def test_cancelled_lease_can_only_be_reopened_as_draft() -> None:
    lease = factories.lease(status=S.CANCELLED)
    with pytest.raises(IllegalTransition, match="reopened as a draft"):
        transition(lease, S.SIGNED, TODAY)
    assert transition(lease, S.DRAFT, TODAY).changed


def test_same_status_is_a_no_op() -> None:
    lease = factories.lease(status=S.BOOKED)
    assert not transition(lease, S.BOOKED, TODAY).changed


def test_signed_lease_is_active_between_its_dates_and_expired_after() -> None:
    lease = factories.lease(status=S.SIGNED, start=date(2026, 2, 1), end=date(2026, 12, 31))
    assert effective_status(lease, date(2026, 1, 31)) is S.SIGNED
    assert effective_status(lease, date(2026, 2, 1)) is S.ACTIVE
    assert effective_status(lease, date(2026, 12, 31)) is S.ACTIVE
    assert effective_status(lease, date(2027, 1, 1)) is S.EXPIRED


def test_an_addendum_moving_the_end_keeps_the_lease_active() -> None:
    lease = factories.lease(status=S.REGISTERED, end=date(2026, 12, 31))
    lease.addenda.append(Addendum("ДС-1", date(2026, 6, 1), end=date(2027, 6, 30)))
    assert effective_status(lease, date(2027, 3, 1)) is S.ACTIVE


def test_draft_is_not_active_even_inside_its_dates() -> None:
    lease = factories.lease(status=S.DRAFT)
    assert effective_status(lease, TODAY) is S.DRAFT
    with pytest.raises(IllegalTransition, match="only after it is signed"):
        transition(lease, S.ACTIVE, TODAY)


def test_asking_for_active_checks_the_dates_and_stores_nothing() -> None:
    lease = factories.lease(status=S.SIGNED)
    result = transition(lease, S.ACTIVE, TODAY)
    assert not result.changed
    assert lease.status is S.SIGNED
    future = replace(factories.lease(status=S.SIGNED), start=date(2026, 5, 1))
    with pytest.raises(IllegalTransition, match=r"runs 01\.05\.2026"):
        transition(future, S.ACTIVE, TODAY)


def test_registration_is_required_beyond_364_days() -> None:
    assert not factories.lease(start=date(2026, 1, 1), end=date(2026, 12, 30)).registration_required
    assert factories.lease(start=date(2026, 1, 1), end=date(2026, 12, 31)).registration_required
