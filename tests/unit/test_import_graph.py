"""No import cycles between rentflow's own modules.

The graph is built from the source by grimp (the parser import-linter runs on): every
``import`` / ``from ... import`` of our packages, at module level and inside functions alike,
since a function-level import closes a cycle as soon as the function runs. Imports under
``if TYPE_CHECKING:`` never run, so the runtime graph leaves them out; a second check takes
them in too, because a cycle that only the type checker sees still means two modules each
need the other to be understood (issue 15 named three such cycles). A cycle is a strongly
connected component of more than one module, found with Tarjan's algorithm.
"""

from __future__ import annotations

from collections.abc import Iterable

import grimp
import pytest

PACKAGES = ("backend", "crm_mappings", "documents", "jobs", "sandbox", "widget")


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each set of modules that import one another in a ring, sorted (Tarjan's SCCs)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(found)


def described(cycles: Iterable[list[str]]) -> str:
    return "\n".join(" <-> ".join(cycle) for cycle in cycles)


def graph_with(imports: Iterable[tuple[str, str]]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


def test_a_ring_of_imports_is_reported_once_with_all_its_modules() -> None:
    graph = graph_with([("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "a.w")])

    assert import_cycles(graph) == [["a.x", "a.y", "a.z"]]


def test_imports_that_only_point_down_make_no_cycle() -> None:
    graph = graph_with([("a.x", "a.y"), ("a.y", "a.z"), ("a.x", "a.z")])

    assert import_cycles(graph) == []


@pytest.mark.parametrize(
    "exclude_type_checking", [True, False], ids=["runtime", "with-type-checking"]
)
def test_rentflow_has_no_import_cycles(exclude_type_checking: bool) -> None:
    graph = grimp.build_graph(
        *PACKAGES, exclude_type_checking_imports=exclude_type_checking, cache_dir=None
    )

    cycles = import_cycles(graph)

    assert not cycles, f"import cycles:\n{described(cycles)}"
