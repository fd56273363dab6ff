"""A deal's stage drives its lease (both CRMs share this service), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from backend.bootstrap import Container
from backend.domain.errors import IllegalTransition
from backend.domain.lease import LeaseStatus
from backend.services.crm_sync import (
    StageChange,
    apply_deal_stage,
    deal_update_for_event,
    load_mapping,
    push_lease_to_deal,
    save_mapping,
    set_lease_status,
)
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from crm_mappings.mapping import LeaseEvent, StageMapping, default_mapping
from crm_mappings.port import Deal, LeaseField, Pipeline, Stage, StageSemantics
from tests import factories
from tests.fakes import FakeCrm

S = LeaseStatus
PIPELINE = Pipeline(
    "0",
    "Аренда",
    (
        Stage("NEW", "Новая", "0"),
        Stage("PREPARATION", "Бронь", "0"),
        Stage("EXECUTING", "На подписании", "0"),
        Stage("WON", "Договор подписан", "0", semantics=StageSemantics.SUCCESS),
        Stage("INVOICE", "Счет выставлен", "0"),
        Stage("PAUSE", "Пауза", "0"),
        Stage("LOSE", "Отказ", "0", semantics=StageSemantics.FAILURE),
    ),
)


@pytest.fixture
def portal_id(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        save_mapping(uow, container.clock, default_mapping(PIPELINE))
        register_lease(uow, container.clock, factories.lease(), crm_deal_id="42")
        uow.commit()
    return portal.id


@pytest.fixture
def crm() -> FakeCrm:
    fake = FakeCrm(pipelines=[PIPELINE])
    fake.deals["42"] = Deal("42", "Офис 101", "0", "NEW")
    fake.deals["43"] = Deal("43", "Без договора", "0", "NEW")
    return fake


def _status(container: Container, portal_id: int) -> LeaseStatus:
    with container.uow(portal_id) as uow:
        lease = uow.leases.by_deal("42")
        assert lease is not None
        return lease.status


def test_moving_the_deal_moves_the_lease_through_its_cycle(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    for stage, expected in (
        ("PREPARATION", S.BOOKED),
        ("EXECUTING", S.ON_SIGNING),
        ("WON", S.SIGNED),
    ):
        crm.move("42", stage)
        outcome = apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
        assert outcome.result is StageChange.APPLIED
        assert _status(container, portal_id) is expected
    assert crm.comments == []


def test_an_illegal_move_is_explained_on_the_deal_and_not_forced(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    crm.move("42", "WON")
    apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
    crm.move("42", "LOSE")
    outcome = apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
    assert outcome.result is StageChange.ILLEGAL
    assert _status(container, portal_id) is S.SIGNED
    assert len(crm.comments) == 1
    assert crm.comments[0].deal_id == "42"
    assert "Отменён" in crm.comments[0].text
    assert "signed lease is terminated, not cancelled" in crm.comments[0].text


def test_an_unmapped_stage_is_ignored(container: Container, portal_id: int, crm: FakeCrm) -> None:
    crm.move("42", "PAUSE")
    outcome = apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
    assert outcome.result is StageChange.UNMAPPED
    assert _status(container, portal_id) is S.DRAFT
    assert crm.comments == []


def test_a_deal_without_a_lease_changes_nothing(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    crm.move("43", "WON")
    outcome = apply_deal_stage(container.uow(portal_id), container.clock, crm, "43")
    assert outcome.result is StageChange.NO_LEASE
    assert _status(container, portal_id) is S.DRAFT


def test_the_same_stage_twice_is_harmless(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    crm.move("42", "PREPARATION")
    apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
    outcome = apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
    assert outcome.result is StageChange.UNCHANGED
    assert _status(container, portal_id) is S.BOOKED


def test_a_pipeline_without_mapping_is_ignored(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    crm.deals["42"] = Deal("42", "Офис 101", "7", "C7:NEW")
    outcome = apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
    assert outcome.result is StageChange.NO_MAPPING


def test_mapping_round_trips_and_drives_event_updates(container: Container, portal_id: int) -> None:
    with container.uow(portal_id) as uow:
        mapping = load_mapping(uow, "0")
    assert mapping is not None
    assert mapping.status_for("EXECUTING") is S.ON_SIGNING
    assert mapping.status_for("LOSE") is S.CANCELLED
    update = deal_update_for_event(mapping, "42", LeaseEvent.INVOICE_ISSUED)
    assert update.stage_id == "INVOICE"
    assert deal_update_for_event(mapping, "42", LeaseEvent.ACT_SIGNED).stage_id is None
    edited = StageMapping("0", {"PAUSE": S.TERMINATED}, {})
    with container.uow(portal_id) as uow:
        save_mapping(uow, container.clock, edited)
        uow.commit()
    with container.uow(portal_id) as uow:
        assert load_mapping(uow, "0") == edited


def _lease_id(container: Container, portal_id: int) -> int:
    with container.uow(portal_id) as uow:
        lease = uow.leases.by_deal("42")
        assert lease is not None
        assert lease.id is not None
        return lease.id


def test_a_status_set_in_rentflow_moves_the_deal_to_the_mapped_stage(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    lease_id = _lease_id(container, portal_id)
    outcome = set_lease_status(
        container.uow(portal_id), container.clock, crm, lease_id, S.ON_SIGNING
    )
    assert outcome.result is StageChange.APPLIED
    assert crm.deals["42"].stage_id == "EXECUTING"
    assert crm.deals["42"].fields[LeaseField.LEASE_STATUS] == "На подписании"
    assert _status(container, portal_id) is S.ON_SIGNING


def test_pushing_again_does_not_move_a_deal_already_in_a_matching_stage(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    lease_id = _lease_id(container, portal_id)
    set_lease_status(container.uow(portal_id), container.clock, crm, lease_id, S.SIGNED)
    update = push_lease_to_deal(container.uow(portal_id), crm, lease_id)
    assert update is not None
    assert update.stage_id is None
    assert crm.deals["42"].stage_id == "WON"


def test_an_illegal_status_in_rentflow_is_refused_and_the_deal_stays(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    lease_id = _lease_id(container, portal_id)
    set_lease_status(container.uow(portal_id), container.clock, crm, lease_id, S.SIGNED)
    with pytest.raises(IllegalTransition, match="terminated, not cancelled"):
        set_lease_status(container.uow(portal_id), container.clock, crm, lease_id, S.CANCELLED)
    assert crm.deals["42"].stage_id == "WON"
    assert _status(container, portal_id) is S.SIGNED


def test_signing_in_the_crm_plans_the_lease_s_documents(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    lease_id = _lease_id(container, portal_id)
    with container.uow(portal_id) as uow:
        assert uow.schedule.for_lease(lease_id) == []
    crm.move("42", "WON")
    apply_deal_stage(container.uow(portal_id), container.clock, crm, "42")
    with container.uow(portal_id) as uow:
        assert len(uow.schedule.for_lease(lease_id)) == 22
