"""Needs attention (seed 000): an operator page and JSON, per portal, manager and landlord."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from backend.domain.attention import Rule
from backend.services.attention import AttentionFilter, AttentionReport, attention_report
from backend.web.deps import container, require_operator

bp = Blueprint("attention", __name__)

RULE_LABELS: dict[Rule, tuple[str, str]] = {
    Rule.LEASE_NOT_ACTIVE: ("Договоры не активные (в стадии составления)", "Leases not active yet"),
    Rule.LEASE_WITHOUT_ORIGINAL: ("Активные без оригинала", "Active without the signed original"),
    Rule.LEASE_NEEDS_REGISTRATION: ("Активные, требующие регистрации", "Active, need registration"),
    Rule.LEASE_OVERDUE_DEBT: ("С просроченной задолженностью", "With overdue debt"),
    Rule.INVOICE_UNPAID: (
        "Счета не оплачены, срок в прошлом или не указан",
        "Invoices unpaid past due",
    ),
    Rule.INVOICE_CANCELLED_WITH_PAYMENTS: (
        "Отменённые счета с оплатами",
        "Cancelled invoices with payments",
    ),
    Rule.INVOICE_NOT_ISSUED: ("Счета не выставлены по графику", "Planned invoices not issued"),
    Rule.ACT_ON_SIGNING: ("Акты на подписании", "Acts on signing"),
    Rule.ACT_NOT_ISSUED: ("Акты не выставлены по графику", "Planned acts not issued"),
    Rule.MONEY_NOT_ALLOCATED: (
        "Входящие платежи разнесены не полностью",
        "Money not fully allocated",
    ),
}


def _id(name: str) -> int | None:
    """An id filter: absent, or a whole number > 0 (else 400 naming it)."""
    value = request.args.get(name, "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 18:
        abort(400, f"bad filter: {name} must be a positive whole number")
    return int(value)


def _query() -> tuple[list[int] | None, AttentionFilter, date]:
    args = request.args
    portal, landlord = _id("portal"), _id("landlord")
    try:
        today = date.fromisoformat(args["date"]) if args.get("date") else container().clock.today()
    except ValueError:
        abort(400, "bad filter: date must be YYYY-MM-DD")
    return ([portal] if portal else None), AttentionFilter(args.get("manager", ""), landlord), today


def _reports() -> tuple[list[tuple[Any, AttentionReport]], date]:
    portal_ids, only, today = _query()
    built = container()
    with built.uow() as uow:
        portals = [p for p in uow.portals.list() if portal_ids is None or p.id in portal_ids]
    reports = []
    for portal in portals:
        with built.uow(portal.id) as uow:
            reports.append((portal, attention_report(uow, today, only)))
    return reports, today


@bp.get("/api/attention")
def api() -> ResponseReturnValue:
    """JSON: per portal, counts per rule and the items."""
    require_operator()
    reports, today = _reports()
    return jsonify(
        date=today.isoformat(),
        portals=[
            {
                "id": portal.id,
                "kind": portal.kind,
                "domain": portal.domain,
                "counts": {str(rule): n for rule, n in report.counts.items()},
                "items": [
                    {
                        "rule": str(item.rule),
                        "lease_id": item.lease_id,
                        "lease": report.lease_numbers.get(item.lease_id or 0, ""),
                        "document_id": item.document_id,
                        "payment_id": item.payment_id,
                        "detail": item.detail,
                    }
                    for item in report.items
                ],
            }
            for portal, report in reports
        ],
    )


@bp.get("/attention")
def page() -> ResponseReturnValue:
    """The page: one block per portal, one row per rule with its items."""
    require_operator()
    reports, today = _reports()
    lang = "en" if request.args.get("lang") == "en" else "ru"
    return render_template(
        "attention.html",
        reports=reports,
        today=today,
        labels=RULE_LABELS,
        lang=lang,
        args=request.args,
    )
