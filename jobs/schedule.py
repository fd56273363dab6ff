"""The beat schedule as data: what runs when. Each entry names one thin task."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from backend.config import Settings


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {
        "deliver-outbox": {"task": "jobs.tasks.deliver_outbox", "schedule": 60.0},
        "amocrm-refresh-tokens": {"task": "jobs.tasks.amocrm_refresh_tokens", "schedule": 3600.0},
        "crm-push-sweep": {"task": "jobs.tasks.crm_push_sweep", "schedule": 1800.0},
        "close-stale-runs": {"task": "jobs.tasks.close_stale_runs", "schedule": 600.0},
        # documents are issued at 00:00 UTC (seed 000 "Документы формируются в 00:00UTC+0")
        "billing-run": {
            "task": "jobs.tasks.billing_run",
            "schedule": crontab(minute=0, hour=settings.billing_hour_utc),
        },
    }
    schedule["export-onec-month"] = {
        "task": "jobs.tasks.export_onec_all",
        # the 1st of each month, an hour after the billing run (seed 000)
        "schedule": crontab(minute=0, hour=(settings.billing_hour_utc + 1) % 24, day_of_month=1),
    }
    if settings.bitrix24_resync_minutes > 0:  # Bitrix24 never redelivers an event
        schedule["bitrix24-resync"] = {
            "task": "jobs.tasks.bitrix24_resync",
            "schedule": settings.bitrix24_resync_minutes * 60.0,
        }
    # tenant requests' CRM tasks: amoCRM is polled, a lost Bitrix24 ONTASKUPDATE caught up
    schedule["sync-request-tasks"] = {
        "task": "jobs.channel_tasks.sync_request_tasks",
        "schedule": 600.0,
    }
    schedule["poll-onec-payments"] = {"task": "jobs.tasks.poll_onec_all", "schedule": 900.0}
    # scheduled XML imports (seed 002): each portal's cron is checked every minute
    schedule["import-due"] = {"task": "jobs.bulk_tasks.import_due", "schedule": 60.0}
    if settings.onec_watch_dir is not None:
        schedule["import-statement-folder"] = {
            "task": "jobs.tasks.import_statement_folder",
            "schedule": 60.0,
        }
    return schedule
