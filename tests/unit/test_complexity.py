"""No function in production code is graded above C by radon's cyclomatic complexity.

radon grades a block A (1-5), B (6-10), C (11-20), D (21-30), E (31-40), F (41+); the house
style asks for functions that do one thing, and issue 15 set C as the ceiling. The check reads
every module of the production packages with ``radon.complexity.cc_visit`` (the same visitor
``radon cc`` runs), takes in the functions and methods of closures and inner classes too, and
names each one over the ceiling with its file, line and score, so the failure says what to
split. A class's own grade (its methods' average) is left out: it is over C only when a
method is.
"""

from __future__ import annotations

from pathlib import Path

from radon.complexity import add_inner_blocks, cc_rank, cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("backend", "crm_mappings", "documents", "jobs", "sandbox")
CEILING = "C"


def blocks_over_ceiling(source: str, filename: str) -> list[str]:
    """``filename:line name grade (score)`` of each function, method or closure of ``source``
    that radon grades above ``CEILING``."""
    found = []
    for block in add_inner_blocks(cc_visit(source)):
        grade = cc_rank(block.complexity)
        if isinstance(block, Function) and grade > CEILING:
            found.append(f"{filename}:{block.lineno} {block.fullname} {grade} ({block.complexity})")
    return sorted(found)


def production_modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def synthetic_function(branches: int, indent: str = "", args: str = "x") -> str:
    """A function of ``branches`` ifs in a row: cyclomatic complexity ``branches + 1``."""
    lines = [f"def pick({args}):"]
    for n in range(branches):
        lines += [f"    if x == {n}:", f"        return {n}"]
    lines.append("    return -1")
    return "".join(f"{indent}{line}\n" for line in lines)


def test_a_function_graded_d_is_named_with_its_line_and_score() -> None:
    source = "def small(x):\n    return x\n\n\n" + synthetic_function(20)

    assert blocks_over_ceiling(source, "m.py") == ["m.py:5 pick D (21)"]


def test_a_method_and_a_closure_graded_d_are_named_too() -> None:
    method = synthetic_function(25, indent="    ", args="self, x")
    closure = synthetic_function(30, indent="    ")
    source = f"def outer():\n{closure}    return pick\n\n\nclass Desk:\n{method}"

    assert blocks_over_ceiling(source, "m.py") == [
        "m.py:2 outer.pick E (31)",
        "m.py:68 Desk.pick D (26)",
    ]


def test_a_function_graded_c_passes() -> None:
    assert blocks_over_ceiling(synthetic_function(19), "m.py") == []


def test_no_production_function_is_graded_above_c() -> None:
    modules = production_modules()
    assert len(modules) > 100, "the production packages were not found"

    found = [
        line
        for path in modules
        for line in blocks_over_ceiling(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        )
    ]

    assert not found, "split these into named steps:\n" + "\n".join(found)
