"""No task waits as long as Redis's visibility timeout before its next try: a countdown that
long makes Redis give the waiting task to a second worker before it is due (Celery's caveat for
ETA tasks), so the one cap (``jobs.retry``) holds for every task's retry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from celery.exceptions import Retry
from celery.signals import before_task_publish

from backend.bootstrap import Container
from backend.onec.odata import ODataSettings
from backend.services.portals import install_portal
from jobs import tasks
from jobs.celery_app import broker_transport_options, make_celery
from jobs.retry import LONGEST_COUNTDOWN, REDIS_VISIBILITY_TIMEOUT, backoff


def test_the_cap_is_well_under_the_visibility_timeout_redis_is_given(
    container: Container,
) -> None:
    from dataclasses import replace

    redis = replace(container.settings, celery_broker_url="redis://127.0.0.1:6379/0")
    timeout = broker_transport_options(redis)["visibility_timeout"]
    assert timeout == REDIS_VISIBILITY_TIMEOUT
    assert timeout / 2 >= LONGEST_COUNTDOWN  # the other half is the task's own run
    waits = [backoff(retries, 60) for retries in range(40)]
    assert waits[:3] == [60, 120, 240]  # doubling...
    assert max(waits) == LONGEST_COUNTDOWN  # ...up to the cap, however many tries


def test_every_task_that_retries_by_itself_backs_off_under_the_cap(container: Container) -> None:
    app = make_celery(container.settings)
    app.loader.import_default_modules()
    retrying = {name: t for name, t in app.tasks.items() if getattr(t, "autoretry_for", ())}
    assert {"jobs.tasks.billing_run_portal", "jobs.tasks.crm_documents_issued"} <= set(retrying)
    for name, task in retrying.items():
        assert task.retry_backoff, name  # a doubling back-off, not celery's fixed delay...
        assert task.retry_backoff_max <= LONGEST_COUNTDOWN, name  # ...capped under the timeout


def test_a_1c_poll_that_failed_many_times_is_queued_again_under_the_cap(
    worker_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1C is down (nothing listens at its address): the poll is queued again through the
    broker, and after its seventh failure its ETA (60 s doubling: 7 680 s uncapped) stays
    under the cap. (The client's own quick retries within one poll are not the point here:
    they are made without their pauses.)"""
    shipped = ODataSettings.from_portal
    monkeypatch.setattr(
        ODataSettings, "from_portal",
        lambda *args: dataclasses.replace(shipped(*args), backoff=0.0),
    )  # fmt: skip
    with worker_container.uow() as uow:
        portal = install_portal(
            uow, worker_container.clock, kind="bitrix24", external_id="onec-down",
            settings={"onec": {"odata_url": "http://127.0.0.1:9/odata/standard.odata",
                               "user": "buh"}},
        )  # fmt: skip
        uow.commit()
    app = make_celery(worker_container.settings)
    app.loader.import_default_modules()
    poll = app.tasks[tasks.poll_onec_payments.name]
    published: list[dict[str, Any]] = []

    def seen(headers: dict[str, Any], **_: Any) -> None:
        published.append(headers)

    before_task_publish.connect(seen)
    try:
        for failed in (0, 7):
            poll.push_request(
                id=f"poll-{failed}", retries=failed, args=[portal.id], kwargs={},
                called_directly=False,
            )  # fmt: skip
            try:
                with pytest.raises(Retry):
                    poll.run(portal.id)
            finally:
                poll.pop_request()
    finally:
        before_task_publish.disconnect(seen)
        app.close()
    assert [h["retries"] for h in published] == [1, 8]
    waits = [
        (datetime.fromisoformat(h["eta"]) - datetime.now(UTC)).total_seconds() for h in published
    ]
    assert 50 < waits[0] <= 60
    assert LONGEST_COUNTDOWN - 10 < waits[1] <= LONGEST_COUNTDOWN < REDIS_VISIBILITY_TIMEOUT
