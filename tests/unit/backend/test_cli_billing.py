"""The billing run's progress bars: redrawn in place on a terminal, totals kept right."""

from __future__ import annotations

import io

from backend.cli.billing import ProgressBars
from backend.services.billing import PortalRun


def test_on_a_terminal_the_bars_are_redrawn_after_every_item() -> None:
    out = io.StringIO()
    bars = ProgressBars(out, {1: 2, 2: 2}, live=True)
    bars.items_due(1, 2)
    bars.item_done(1)
    bars.item_done(1)
    bars.portal_finished(PortalRun(1, issued=[10, 11]))
    bars.items_due(2, 1)  # one of the estimated items was issued meanwhile by someone else
    bars.item_done(2)
    bars.close()
    frames = out.getvalue().split("\r\x1b[K")
    assert frames[2].startswith("total [" + "#" * 6 + "-" * 18 + "] 1/4 items, 0/2 portals")
    assert frames[4] == "portal 1: 2 issued, 0 emails, 0 failed\n"
    assert frames[-1].startswith("total [" + "#" * 24 + "] 3/3 items, 1/2 portals")
    assert frames[-1].endswith("portal 2 [" + "#" * 24 + "] 1/1\n")
