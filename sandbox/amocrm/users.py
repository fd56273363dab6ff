"""The emulated account's users, in the shape GET /api/v4/users/{id} answers.

https://www.amocrm.ru/developers/content/crm_platform/users-api: ``id``, ``name``, ``email``,
``lang`` and ``rights`` — per entity ``{"view", "edit", "add", "delete", "export"}`` as
A (all) / G (group) / M (own) / D (denied), ``mail_access``, ``catalog_access``,
``status_rights``, ``is_admin``, ``is_free``, ``is_active``, ``group_id``, ``role_id`` (the
official client reads the same keys: github:amocrm/amocrm-api-php
src/AmoCRM/Models/Rights/RightModel.php ``fromArray``).
"""

from __future__ import annotations

from typing import Any

ADMIN_ID, MANAGER_ID = 9001, 9002  # 9001 owns the seeded leads (responsible_user_id)


def _rights(*, admin: bool) -> dict[str, Any]:
    scope = "A" if admin else "M"  # a manager sees and edits their own leads
    entity = {"view": scope, "edit": scope, "add": "A", "delete": "A" if admin else "D",
              "export": "A" if admin else "D"}  # fmt: skip
    return {
        "leads": dict(entity),
        "contacts": dict(entity),
        "companies": dict(entity),
        "tasks": {"edit": scope, "delete": scope},
        "mail_access": True,
        "catalog_access": admin,
        "files_access": True,
        "status_rights": [],
        "catalog_rights": None,
        "custom_fields_rights": None,
        "oper_day_reports_view_access": False,
        "oper_day_user_tracking": False,
        "is_admin": admin,
        "is_free": False,
        "is_active": True,
        "group_id": None,
        "role_id": None,
    }


def make_user(
    user_id: int, name: str, email: str, *, admin: bool, lang: str = "ru"
) -> dict[str, Any]:
    """A user as the API shows it."""
    return {
        "id": user_id,
        "name": name,
        "email": email,
        "lang": lang,
        "rights": _rights(admin=admin),
        "_links": {"self": {"href": f"/api/v4/users/{user_id}"}},
    }


def default_users() -> list[dict[str, Any]]:
    """An administrator and a manager, as a new account's owner invites them."""
    return [
        make_user(ADMIN_ID, "Анна Админова", "admin@amo.example", admin=True),
        make_user(MANAGER_ID, "Михаил Менеджеров", "manager@amo.example", admin=False),
    ]
