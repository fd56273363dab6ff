"""Write tests/durations.json from the report of ``pytest --durations=0`` (read on stdin):
the seconds each work unit took (setup, call and teardown of its tests summed), which the
suite's scheduler (tests/scheduling.py) uses to start the slowest units first.

    bash scripts/test-services.sh .venv/bin/pytest -n 3 --durations=0 | \
        python scripts/test-durations.py
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.scheduling import unit_of

LINE = re.compile(r"^(\d+\.\d+)s (?:setup|call|teardown)\s+(\S+)")


def main() -> None:
    seconds: dict[str, float] = defaultdict(float)
    for line in sys.stdin:
        found = LINE.match(line)
        if found:
            seconds[unit_of(found[2])] += float(found[1])
    kept = {unit: round(s, 1) for unit, s in sorted(seconds.items()) if s >= 0.5}
    out = Path(__file__).resolve().parents[1] / "tests" / "durations.json"
    out.write_text(json.dumps(kept, indent=0, ensure_ascii=False) + "\n")
    print(f"{out}: {len(kept)} units, {sum(seconds.values()):.0f} s in all")


if __name__ == "__main__":
    main()
