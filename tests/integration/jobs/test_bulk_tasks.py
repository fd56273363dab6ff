"""The scheduled import on a real worker: the beat's task finds the portal whose cron has come
round and queues its import, which fetches the file over loopback HTTP and logs the run."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from backend.bootstrap import Container
from backend.ports import FixedClock
from backend.services.import_schedule import save_settings
from jobs.celery_app import make_celery
from jobs.schedule import beat_schedule
from tests.bulk_world import EXAMPLE_XML, new_portal
from tests.celery_worker import running_worker
from tests.loopback import serve


def _file(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [EXAMPLE_XML.read_bytes()]


def test_the_beat_entry_checks_the_import_schedules_every_minute(container: Container) -> None:
    entry = beat_schedule(container.settings)["import-due"]
    assert (entry["task"], entry["schedule"]) == ("jobs.bulk_tasks.import_due", 60.0)


def test_a_due_schedule_imports_the_file_on_a_real_worker(
    worker_container: Container, clock: FixedClock
) -> None:
    portal_id = new_portal(worker_container)
    clock.set(datetime(2026, 2, 1, 1, 0, tzinfo=UTC))
    with serve(_file) as base:
        with worker_container.uow(portal_id) as uow:
            save_settings(uow, clock, {"sources": [f"{base}/x.xml"], "schedule": "0 3 * * *"})
            uow.commit()
        clock.set(datetime(2026, 2, 1, 3, 0, tzinfo=UTC))
        celery = make_celery(worker_container.settings)
        celery.set_current()
        runs: list[dict[str, Any]] = []
        with running_worker(celery):
            celery.send_task("jobs.bulk_tasks.import_due")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with worker_container.uow(portal_id) as uow:
                    runs = uow.import_runs.recent()
                if runs and runs[0]["status"] != "running":
                    break
                time.sleep(0.2)
    assert [(r["trigger"], r["status"]) for r in runs] == [("schedule", "ok")]
    with worker_container.uow(portal_id) as uow:
        assert len(uow.estate.premises_page()) == 5
