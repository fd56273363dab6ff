"""What the leases naming a premises make of it: rented, booked or vacant."""

from __future__ import annotations

import pytest

from backend.domain.premises import PremisesStatus, status_from_leases


@pytest.mark.parametrize(
    ("leases", "status"),
    [
        (["draft"], "vacant"),  # a draft is not a booking yet
        (["booked"], "booked"),
        (["on_signing"], "booked"),
        (["signed"], "rented"),
        (["registered"], "rented"),
        (["terminated"], "vacant"),
        (["cancelled"], "vacant"),
        (["terminated", "booked"], "booked"),  # the next tenant's lease, after the last one's
        (["booked", "signed", "cancelled"], "rented"),  # the strongest hold wins
    ],
)
def test_the_strongest_live_lease_sets_the_status(leases: list[str], status: str) -> None:
    assert status_from_leases(leases) is PremisesStatus(status)
