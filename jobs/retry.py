"""How long a task waits before its next try: one cap for every task's retry countdown.

Scaled out, Redis gives a task to another worker once it has been held unacked for the
visibility timeout. A retry is a new message with an ETA, which the worker that fetches it
holds unacked until it is due; acked late, it stays held while it runs too. A countdown as long
as the timeout makes Redis hand the same task to a second worker before the first has run it
(Celery's caveat for ETA tasks on Redis). So every countdown stays under half the timeout,
the other half left for the task's own run.
"""

from __future__ import annotations

# seconds a task held by a worker that died waits before Redis gives it to another (acks_late):
# longer than the longest task (a 200-lease billing chunk takes about a minute on 2 cores),
# shorter than a night
REDIS_VISIBILITY_TIMEOUT = 3600
LONGEST_COUNTDOWN = REDIS_VISIBILITY_TIMEOUT // 2  # the longest wait before any retry


def capped(seconds: int) -> int:
    """``seconds`` as a retry countdown: at most ``LONGEST_COUNTDOWN``."""
    return min(seconds, LONGEST_COUNTDOWN)


def backoff(retries: int, first: int) -> int:
    """Seconds before the try after ``retries`` failed ones: ``first`` doubling each time,
    capped (``capped``)."""
    return capped(first * 2 ** min(retries, 32))
