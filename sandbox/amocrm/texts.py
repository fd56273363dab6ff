"""What the sandbox account's own pages say, in the language chosen on them (amoCRM's
interface follows its user's language)."""

from __future__ import annotations

_RU = {
    "account": "Аккаунт", "leads": "Сделки", "settings": "Настройки",
    "integrations": "Интеграции", "act_as": "Войти как", "language": "Язык",
    "admin": "администратор", "manager": "менеджер", "installed": "rentflow установлен",
    "not_installed": "rentflow не установлен", "install": "Установить rentflow",
    "install_oauth": "или по OAuth, как внешнее приложение", "pipelines": "Воронки",
    "new_lead": "Новая сделка", "name": "Название", "company": "Компания", "inn": "ИНН",
    "kpp": "КПП", "email": "Email", "contact": "Контакт", "add": "Добавить",
    "status": "Этап", "responsible": "Ответственный", "budget": "Бюджет",
    "move": "Перевести", "feed": "Лента", "no_notes": "Примечаний нет.",
    "no_leads": "Сделок пока нет.", "advanced": "Расширенные настройки",
    "install_first": "Сначала установите rentflow.", "fields": "Поля",
    "message_installed": "rentflow установлен: его панель — в карточке сделки, настройки — "
                         "в «Настройки → Интеграции».",
    "message_failed": "Не удалось",
    "disable": "Отключить rentflow",
    "message_disabled": "rentflow отключён: его токены больше не действуют, rentflow получил "
                        "сообщение об отключении.",
}  # fmt: skip
_EN = {
    "account": "Account", "leads": "Leads", "settings": "Settings",
    "integrations": "Integrations", "act_as": "Act as", "language": "Language",
    "admin": "administrator", "manager": "manager", "installed": "rentflow installed",
    "not_installed": "rentflow not installed", "install": "Install rentflow",
    "install_oauth": "or by OAuth, as an external app", "pipelines": "Pipelines",
    "new_lead": "New lead", "name": "Name", "company": "Company", "inn": "INN", "kpp": "KPP",
    "email": "Email", "contact": "Contact", "add": "Add", "status": "Status",
    "responsible": "Responsible", "budget": "Budget", "move": "Move", "feed": "Feed",
    "no_notes": "No notes.", "no_leads": "No leads yet.", "advanced": "Advanced settings",
    "install_first": "Install rentflow first.", "fields": "Fields",
    "message_installed": "rentflow installed: its panel is in the lead card, its settings in "
                         "Settings → Integrations.",
    "message_failed": "Failed",
    "disable": "Disable rentflow",
    "message_disabled": "rentflow disabled: its tokens no longer work, rentflow got the "
                        "disabled hook.",
}  # fmt: skip


def texts(lang: str) -> dict[str, str]:
    return _EN if lang == "en" else _RU
