"""What every workspace form says about a number that is not one or is out of its bound
(``backend.domain.quantities``), with the bound written as the viewer's locale writes
numbers: ``999 999 999 999,99`` (ru), ``999,999,999,999.99`` (en)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from backend.web.i18n import area

_ = lazy_gettext

QUANTITY_MESSAGES: Mapping[str, LazyString] = {
    "too_large": _("Too large: at most %(expected)s."),
    "places": _("At most %(expected)s digits after the decimal point."),
    "monthly_too_large": _("The rent per m² times the area is over %(expected)s a month."),
}
_NUMBERS = frozenset({"too_large", "monthly_too_large"})


def quantity_text(code: str, expected: str) -> str | None:
    """The problem in the viewer's language (None: not a bound's problem)."""
    text = QUANTITY_MESSAGES.get(code)
    if text is None:
        return None
    return str(text) % {"expected": area(expected) if code in _NUMBERS else expected}
