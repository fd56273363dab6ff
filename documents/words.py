"""Amount in words (сумма прописью) as 1C prints it: "Двенадцать тысяч ... рублей 07 копеек".

num2words traps (github.com/savoirfairelinux/num2words issues #426, #483, #553):
an ``int`` is read as kopecks, the default currency is EUR even for ``ru``, and floats carry
binary noise. So the amount always goes in as the ``Decimal`` of a ``Money`` with its currency.
"""

from __future__ import annotations

from num2words import num2words

from backend.domain.money import Money
from documents.errors import InvalidDocumentData

LANGUAGES = ("ru", "uk", "en")


def amount_in_words(amount: Money, lang: str = "ru") -> str:
    """Spell ``amount`` in ``lang``: whole units in words, the kopecks as two digits."""
    if lang not in LANGUAGES:
        raise InvalidDocumentData("language", f"must be one of {', '.join(LANGUAGES)}")
    if amount.is_negative():
        raise InvalidDocumentData("amount", f"cannot spell a negative amount {amount}")
    try:
        text: str = num2words(
            amount.amount, lang=lang, to="currency", currency=amount.currency,
            cents=False, separator="",
        )  # fmt: skip
    except NotImplementedError as error:
        raise InvalidDocumentData(
            "currency", f"{amount.currency} cannot be spelled in {lang!r}"
        ) from error
    return text[:1].upper() + text[1:]
