"""Loaded by every Python process started with this directory on PYTHONPATH (the fault
suite's workers and beat): installs the test clock when the suite asks for it."""

import os

if os.environ.get("RENTFLOW_TEST_CLOCK_FILE"):
    from tests.faults import testclock

    testclock.install()
