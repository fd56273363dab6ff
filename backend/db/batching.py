"""Long ``IN (...)`` lists, split."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# values bound per IN (...) list: under SQLite's bound-variable limit (999 before 3.32)
IN_LIST_SIZE = 500


def in_chunks(values: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``, for one statement each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
