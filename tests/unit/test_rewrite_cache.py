"""The workers' shared assert rewriting (``tests/rewrite_cache.py``): what it writes is what
pytest reads back, with the rewritten asserts' messages."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from _pytest.assertion import rewrite

from tests.rewrite_cache import rewrite_share, write_rewritten


def _pyc(path: Path) -> Path:
    return rewrite.get_cache_dir(path) / (path.name[:-3] + rewrite.PYC_TAIL)


def test_written_pycs_are_read_back_with_rewritten_asserts(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    modules = []
    for n in range(4):
        module = tmp_path / f"test_m{n}.py"
        module.write_text(f"def check():\n    x = [1, {n}]\n    assert x == [1, 9]\n")
        modules.append(module)

    assert write_rewritten(pytestconfig, modules[::2]) == 2
    assert [_pyc(m).exists() for m in modules] == [True, False, True, False]
    assert write_rewritten(pytestconfig, modules[::2]) == 0  # current: left alone

    code = rewrite._read_pyc(modules[2], _pyc(modules[2]))
    assert code is not None
    namespace = types.ModuleType("test_m2").__dict__
    exec(code, namespace)  # noqa: S102 - the pyc just written, as pytest runs it
    with pytest.raises(AssertionError, match=r"assert \[1, 2\] == \[1, 9\]"):
        namespace["check"]()

    modules[2].write_text("def check():\n    assert 1\n")  # changed: the pyc is stale
    assert rewrite._read_pyc(modules[2], _pyc(modules[2])) is None
    assert write_rewritten(pytestconfig, [modules[2]]) == 1


class _Worker:
    """``config`` as an xdist worker's, of the project at ``root``."""

    def __init__(self, config: pytest.Config, root: Path, workerid: str, count: int) -> None:
        self._config = config
        self.rootpath = root
        # none: a plain pytest process (whatever the process running this test is)
        self.workerinput = {"workerid": workerid, "workercount": count} if workerid else None

    def __getattr__(self, name: str) -> object:
        return getattr(self._config, name)


def test_each_worker_writes_its_share_and_a_plain_run_none(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    (tmp_path / "tests" / "deep").mkdir(parents=True)
    names = ["conftest.py", "test_a.py", "deep/test_b.py", "deep/conftest.py", "test_c.py"]
    for name in [*names, "helpers.py", "deep/fakes.py"]:
        (tmp_path / "tests" / name).write_text("assert True\n")
    modules = sorted(tmp_path / "tests" / name for name in names)

    worker = _Worker(pytestconfig, tmp_path, "gw1", 3)
    assert rewrite_share(worker) == 2  # type: ignore[arg-type]
    assert [m for m in modules if _pyc(m).exists()] == modules[1::3]
    assert not _pyc(tmp_path / "tests" / "helpers.py").exists()  # not a test module

    plain = _Worker(pytestconfig, tmp_path, "", 0)
    assert rewrite_share(plain) == 0  # type: ignore[arg-type]
