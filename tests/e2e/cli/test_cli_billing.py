"""``rentflow billing run``: issues what is due, prints a JSON summary; a re-run adds nothing."""

from __future__ import annotations

import json
import subprocess

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories
from tests.processes import ROOT, cli_command, cli_env


def _run(container: Container, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command("billing", "run", *args), capture_output=True, text=True,
        env=cli_env(container.settings), cwd=ROOT, check=False, timeout=300,
    )  # fmt: skip


def test_billing_run_on_demand_issues_once_and_reports(container: Container) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="cli")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        register_lease(uow, container.clock, factories.lease(status=LeaseStatus.SIGNED))
        uow.commit()
    first = _run(container, "--date", "2026-02-28", "--portal", str(portal.id))
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    # February's invoice (due 27.01) and act (28.02), and March's invoice (planned 24.02)
    assert summary["issued"] == 3
    assert summary["portals"] == [{"portal": portal.id, "issued": 3, "mailed": 0, "failed": []}]
    again = json.loads(_run(container, "--date", "2026-02-28").stdout)
    assert again["issued"] == 0
    with container.uow(portal.id) as uow:
        assert len(uow.documents.list()) == 3


def test_progress_goes_to_stderr_per_portal_and_in_total_and_stdout_stays_json(
    container: Container,
) -> None:
    portal_ids = []
    for external_id in ("p-1", "p-2"):
        with container.uow() as uow:
            portal = install_portal(uow, container.clock, kind="bitrix24", external_id=external_id)
            uow.commit()
        assert portal.id is not None
        portal_ids.append(portal.id)
        with container.uow(portal.id) as uow:
            register_lease(uow, container.clock, factories.lease(status=LeaseStatus.SIGNED))
            uow.commit()
    quiet = _run(container, "--date", "2026-01-27", "--portal", str(portal_ids[0]))
    assert "total [" not in quiet.stderr  # not a terminal and no --progress: no bars
    shown = _run(container, "--date", "2026-02-28", "--progress")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["issued"] == 5  # 2 for the first portal, 3 for the second
    lines = [line for line in shown.stderr.splitlines() if line.startswith(("portal", "total"))]
    first, second = portal_ids
    assert lines == [
        f"portal {first}: 2 issued, 0 emails, 0 failed",
        f"total [{'#' * 9}{'-' * 15}] 2/5 items, 1/2 portals · portal {first} [{'#' * 24}] 2/2",
        f"portal {second}: 3 issued, 0 emails, 0 failed",
        f"total [{'#' * 24}] 5/5 items, 2/2 portals · portal {second} [{'#' * 24}] 3/3",
    ]
