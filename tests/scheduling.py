"""How pytest-xdist hands the suite to its workers (``-n N``, ``--dist loadfile``): the slowest
work first, so no long test starts last and keeps one worker busy after the others are done.

A work unit is a test module (its tests share one worker, so a module fixture runs once),
except the fault tests, each a unit of its own: they take tens of seconds apiece and their
servers are per worker (``tests/faults/conftest.py``). Units are queued by the seconds they
took in a recorded run (``tests/durations.json``, written by ``scripts/test-durations.py``;
a unit it does not know counts a fraction of a second per test, a fault test it does not know
tens of seconds).

A fault test mostly waits (on its outage, its processes, the test clock), so at most half the
workers run one at a time: the others take the slowest of the rest, and the machine's cores
stay busy while the fault tests wait. A worker that asks for more work while its queue still
holds a long test (xdist keeps one test ahead of the one running) gets the quickest unit left
instead, so two long units never wait one behind the other on a worker while another runs out
of work.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from xdist.scheduler.loadscope import LoadScopeScheduling

DURATIONS = Path(__file__).with_name("durations.json")
ALONE = ("tests/faults/",)  # modules whose tests are units of their own, and mostly wait
UNKNOWN_TEST = 0.3  # seconds a test not in the recorded run counts
UNKNOWN_ALONE = 40.0  # seconds a fault test not in the recorded run counts: start it early
BUSY = 8.0  # seconds of queued work over which a worker is given the quickest unit left


def unit_of(nodeid: str) -> str:
    """The work unit of a test: its module, or the test itself for ``ALONE`` modules."""
    module, _, test = nodeid.partition("::")
    if module.startswith(ALONE):
        return f"{module}::{test.split('[', 1)[0]}"
    return module


class SlowestFirst(LoadScopeScheduling):
    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        self.seconds: dict[str, float] = (
            json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
        )
        self.ordered = False

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)

    def _cost(self, unit: str, tests: int) -> float:
        if unit in self.seconds:
            return self.seconds[unit]
        return UNKNOWN_ALONE if unit.startswith(ALONE) else UNKNOWN_TEST * tests

    def _left(self, node: Any) -> dict[str, float]:
        """The node's units with tests still to run, and their recorded seconds left."""
        left = {}
        for unit, tests in self.assigned_work.get(node, {}).items():
            pending = sum(not done for done in tests.values())
            if pending:
                left[unit] = self._cost(unit, len(tests)) * pending / len(tests)
        return left

    def _next_unit(self, node: Any) -> str:
        if sum(self._left(node).values()) > BUSY:
            return next(reversed(self.workqueue))  # busy: the quickest unit left
        waiting = sum(
            any(unit.startswith(ALONE) for unit in self._left(other)) for other in self.nodes
        )
        if waiting < max(1, len(self.nodes) // 2):
            return next(iter(self.workqueue))
        # enough workers wait on fault tests: the slowest of the rest, if any is left
        return next((u for u in self.workqueue if not u.startswith(ALONE)), "") or next(
            iter(self.workqueue)
        )

    def _assign_work_unit(self, node: Any) -> None:
        if not self.ordered:
            by_cost = sorted(self.workqueue.items(), key=lambda u: -self._cost(u[0], len(u[1])))
            self.workqueue = OrderedDict(by_cost)
            self.ordered = True
        unit = self._next_unit(node)
        tests = self.workqueue.pop(unit)
        self.assigned_work.setdefault(node, {})[unit] = tests
        collection = self.registered_collections[node]
        node.send_runtest_some([collection.index(t) for t, done in tests.items() if not done])
