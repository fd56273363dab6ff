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


@lru_cache(maxsize=16)
def compiled_mo(lang: str, text: bytes) -> bytes:
    """The ``.mo`` of one ``.po`` as it reads now (its bytes are the key: an edited catalogue
    is compiled again), once per process for the pages and for these texts alike."""
    catalog = read_po(io.BytesIO(text), locale=lang, domain="messages")
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


@lru_cache(maxsize=len(TENANT_LANGUAGES))
def _translations(lang: str) -> Translations:
    text = (_SOURCE / lang / "LC_MESSAGES" / "messages.po").read_bytes()
    return Translations(io.BytesIO(compiled_mo(lang, text)), domain="messages")


def gettext_for(lang: str | None) -> Callable[..., str]:
    """``_(msgid, **values)`` in ``lang``: the translated text with ``%(name)s`` filled."""
    translations = _translations(tenant_language(lang))

    def translate(msgid: str, **values: object) -> str:
        text = translations.gettext(msgid)
        return text % values if values else text

    return translate
