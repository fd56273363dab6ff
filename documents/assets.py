"""Where the documents package keeps its templates and fonts."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# the shipped DejaVu Sans Latin+Cyrillic subset (fonts/), without hinting
REGULAR_FONT, BOLD_FONT = "DejaVuSans-LatCyr.ttf", "DejaVuSans-Bold-LatCyr.ttf"


def package_path(*parts: str) -> Path:
    """A file or directory shipped inside the ``documents`` package."""
    return Path(str(files("documents").joinpath(*parts)))
