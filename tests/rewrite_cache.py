"""Each pytest-xdist worker rewrites the asserts of its share of the test modules, not of all.

pytest rewrites a test module's ``assert`` statements when it imports it and keeps the result
in ``__pycache__`` (a hash-checked pyc, so a fresh clone's cache is valid as soon as written)
unless ``PYTHONDONTWRITEBYTECODE`` is set, as it is on the machines the suite runs on. Then
every worker rewrote all ~200 modules: about 3 of its 7 CPU-seconds of collection, paid four
times over on 2 cores before the first test ran. Here, at its start, worker *i* of *n*
rewrites every *n*-th module and writes its pyc regardless; by the time the workers collect,
the others' shares are written and read back. A module not written yet is rewritten by
pytest itself, as before, so nothing depends on this: if pytest's internals it uses move
(``_pytest.assertion.rewrite``), it does nothing.
"""

from __future__ import annotations

import contextlib
import fnmatch
from pathlib import Path

import pytest


def rewrite_share(config: pytest.Config) -> int:
    """Write the rewritten pycs of this worker's share of the modules pytest rewrites;
    returns how many it wrote (0 outside an xdist worker)."""
    worker = getattr(config, "workerinput", None)
    if worker is None or config.getoption("assertmode") != "rewrite":
        return 0
    patterns = [*config.getini("python_files"), "conftest.py"]
    modules = sorted(
        path
        for path in (config.rootpath / "tests").rglob("*.py")
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)
    )
    index, count = int(worker["workerid"].removeprefix("gw")), int(worker["workercount"])
    return write_rewritten(config, modules[index::count])


def write_rewritten(config: pytest.Config, modules: list[Path]) -> int:
    """Rewrite each of ``modules`` and write its pyc where pytest looks for it, unless a
    current one is there; returns how many were written."""
    try:
        from _pytest.assertion import rewrite
    except ImportError:
        return 0
    written = 0
    state = config.stash[rewrite.assertstate_key]
    for path in modules:
        pyc = rewrite.get_cache_dir(path) / (path.name[:-3] + rewrite.PYC_TAIL)
        with contextlib.suppress(Exception):  # pytest rewrites it on import, as always
            if rewrite._read_pyc(path, pyc) is not None:
                continue
            pyc.parent.mkdir(exist_ok=True)
            source_hash, code = rewrite._rewrite_test(path, config)
            written += rewrite._write_pyc(state, code, source_hash, pyc)
    return written
