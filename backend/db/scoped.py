"""What the portal-scoped repositories share: the portal guard and document lines as JSON."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from backend.domain.billing import BillingPeriod, DocumentLine
from backend.domain.errors import NotFound
from backend.domain.money import Money


class _Scoped:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def _get(self, model: Any, row_id: int) -> Any:
        row = self.session.get(model, row_id)
        if row is None or row.portal_id != self.portal_id:
            raise NotFound(f"{model.__tablename__} {row_id}")
        return row


def _line_to_json(line: DocumentLine) -> dict[str, Any]:
    return {
        "description": line.description,
        "start": line.period.start.isoformat(),
        "end": line.period.end.isoformat(),
        "quantity": line.quantity,
        "unit": line.unit,
        "price": str(line.price.amount),
        "amount": str(line.amount.amount),
        "vat": str(line.vat.amount),
        "premises_code": line.premises_code,
    }


def _line_from_json(data: dict[str, Any], currency: str) -> DocumentLine:
    return DocumentLine(
        description=data["description"],
        period=BillingPeriod(date.fromisoformat(data["start"]), date.fromisoformat(data["end"])),
        quantity=int(data["quantity"]),
        unit=data["unit"],
        price=Money(Decimal(data["price"]), currency),
        amount=Money(Decimal(data["amount"]), currency),
        vat=Money(Decimal(data["vat"]), currency),
        premises_code=data.get("premises_code", ""),
    )
