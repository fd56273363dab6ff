"""The beat schedule as data: what runs when. Each entry names one thin task."""

from __future__ import annotations

from typing import Any

from backend.config import Settings


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        "deliver-outbox": {"task": "jobs.tasks.deliver_outbox", "schedule": 60.0},
        "amocrm-refresh-tokens": {"task": "jobs.tasks.amocrm_refresh_tokens", "schedule": 3600.0},
    }
