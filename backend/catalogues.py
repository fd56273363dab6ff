"""The gettext catalogues for texts written outside a web request: what services and tasks
send a tenant (request status, reminders, the bot's replies) in the tenant's language.

The same ``.po`` files as the pages (``backend/web/translations``, English ``msgid``s),
read by path rather than by importing the web package, compiled in memory once per process
(Babel's ``write_mo``, a few milliseconds). An unknown language is Russian, the landlords'
home and what a tenant who never opened the cabinet has always been sent.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TENANT_LANGUAGES = ("ru", "uk", "en")
DEFAULT = "ru"
_SOURCE = Path(__file__).parent / "web" / "translations"


def tenant_language(lang: str | None) -> str:
    """``lang`` when a tenant can be written to in it, else Russian."""
    lang = (lang or "").lower()[:2]
    return lang if lang in TENANT_LANGUAGES else DEFAULT


@lru_cache(maxsize=len(TENANT_LANGUAGES))
def _translations(lang: str) -> Translations:
    with (_SOURCE / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=lang, domain="messages")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def gettext_for(lang: str | None) -> Callable[..., str]:
    """``_(msgid, **values)`` in ``lang``: the translated text with ``%(name)s`` filled."""
    translations = _translations(tenant_language(lang))

    def translate(msgid: str, **values: object) -> str:
        text = translations.gettext(msgid)
        return text % values if values else text

    return translate
