"""``python -m backend.cli``: the ``rentflow`` command."""

from backend.cli import main

main()
