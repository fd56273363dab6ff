"""The fault suite's hand on time inside the real worker and beat processes.

An hour of SMTP outage or a visibility timeout cannot be waited out in a test, and the
processes run the shipped ``rentflow worker`` / ``beat``. ``install()`` (run at interpreter
start by ``tests/faults/site/sitecustomize.py`` when ``RENTFLOW_TEST_CLOCK_FILE`` is set)
changes four things in that process only:

- rentflow's clock (``backend.ports.SystemClock``, what every service reads) runs ahead of
  the wall clock by the seconds written in ``RENTFLOW_TEST_CLOCK_FILE`` (the test moves it
  with ``advance``);
- the beat's periodic entries the suite waits on (``RENTFLOW_TEST_BEAT_ENTRIES``, all when
  unset) fire ``RENTFLOW_TEST_BEAT_SPEEDUP`` times as often (the outbox every second instead
  of every minute, the CRM push sweep every 30 s ...); the others keep their periods;
- on Redis, a task held by a dead worker is given back after ``RENTFLOW_TEST_VISIBILITY``
  seconds instead of an hour, and the held tasks are scanned every second;
- the waits between retries pass ``RENTFLOW_TEST_RETRY_SPEEDUP`` times faster: the CRM
  clients' own back-off (``crm_mappings.ratelimit.backoff_delay``) and the pause every
  process takes after a refusal (``ratelimit.BACK_OFF``), and the countdown of a Celery
  task's automatic retry (``retry_backoff``: the CRM tasks' ``CrmUnavailable``). The same
  code paths run, in the same order; only the seconds between them shrink.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


def offset(path: Path) -> float:
    try:
        return float(path.read_text() or 0)
    except (OSError, ValueError):
        return 0.0


def advance(path: Path, seconds: float) -> None:
    """Move the test clock of every process reading ``path`` on by ``seconds``."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(offset(path) + seconds))
    tmp.replace(path)


def install() -> None:
    from backend import ports

    path = Path(os.environ["RENTFLOW_TEST_CLOCK_FILE"])
    real_now = ports.SystemClock.now

    def now(self: ports.SystemClock) -> datetime:
        return real_now(self) + timedelta(seconds=offset(path))

    ports.SystemClock.now = now  # type: ignore[method-assign]

    speedup = float(os.environ.get("RENTFLOW_TEST_BEAT_SPEEDUP", "1"))
    if speedup != 1:
        from jobs import schedule

        shipped = schedule.beat_schedule
        chosen = set(filter(None, os.environ.get("RENTFLOW_TEST_BEAT_ENTRIES", "").split(",")))

        def faster(settings: Any) -> dict[str, dict[str, Any]]:
            entries = shipped(settings)
            for name, entry in entries.items():
                if isinstance(entry["schedule"], float) and (not chosen or name in chosen):
                    entry["schedule"] = entry["schedule"] / speedup
            return entries

        schedule.beat_schedule = faster

    visibility = os.environ.get("RENTFLOW_TEST_VISIBILITY")
    if visibility:
        from jobs import celery_app

        shipped_options = celery_app.broker_transport_options

        def options(settings: Any) -> dict[str, Any]:
            found = shipped_options(settings)
            if "visibility_timeout" in found:
                # a worker SIGKILLed inside a sweep leaves kombu's restore mutex held: for its
                # expiry (300 s by default) no other worker gives anything back
                found.update(
                    visibility_timeout=float(visibility),
                    unacked_restore_interval=1,
                    unacked_restore_throttle=1,
                    unacked_mutex_expire=5,
                )
            return found

        celery_app.broker_transport_options = options

    retry_speedup = float(os.environ.get("RENTFLOW_TEST_RETRY_SPEEDUP", "1"))
    if retry_speedup != 1:
        _shorter_retries(retry_speedup)


def _shorter_retries(speedup: float) -> None:
    from celery.app import autoretry

    from crm_mappings import ratelimit

    shipped_delay = ratelimit.backoff_delay
    shipped_countdown = autoretry.get_exponential_backoff_interval

    def delay(attempt: int, base: float, retry_after: str = "") -> float:
        return shipped_delay(attempt, base, retry_after) / speedup

    def countdown(*args: Any, **kwargs: Any) -> float:
        return float(shipped_countdown(*args, **kwargs)) / speedup

    ratelimit.backoff_delay = delay
    ratelimit.BACK_OFF = ratelimit.BACK_OFF / speedup
    autoretry.get_exponential_backoff_interval = countdown
