"""A process that renders in bulk collects garbage less often and no longer scans what it
loaded at start; a prefork worker child gets that from Celery's worker_process_init."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from celery.signals import worker_process_init

import jobs.celery_app  # noqa: F401 - connects the worker_process_init handler
from backend.bootstrap import GC_THRESHOLDS


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_a_new_worker_child_freezes_what_it_loaded_and_collects_less_often() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    loaded = [[n] for n in range(3)]  # lists are containers the collector tracks

    worker_process_init.send(sender=None)

    assert gc.get_threshold() == GC_THRESHOLDS
    scanned = {id(o) for o in gc.get_objects()}  # the frozen generation is never scanned
    assert gc.get_freeze_count() >= len(loaded)
    assert not scanned & {id(o) for o in loaded}
