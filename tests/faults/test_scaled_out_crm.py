"""Scaled out: the Bitrix24 portal answers every call with 503 QUERY_LIMIT_EXCEEDED for a
while in the middle of the run's push (after the deals' updates and the first 50 comments).
Every update lands and no deal gets its timeline comment twice."""

from __future__ import annotations

from collections.abc import Callable

from tests.faults.checks import SCALED_OUT, crm_refusing_for_a_while, scaled_out
from tests.faults.stack import Stack

pytestmark = SCALED_OUT


def test_the_crm_refusing_every_call_for_a_while(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(leases=60)  # two CRM batches of deals: the stretch falls between them
    crm_refusing_for_a_while(stack, scaled_out)
