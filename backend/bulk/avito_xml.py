"""The Avito autoload feed of the same lots as the CIAN feed (``services.cian_feed``).

Avito's autoload XML for commercial real estate, format 3: ``Ads formatVersion="3"
target="Avito.ru"`` > ``Ad`` with ``Id``, ``Category`` «Коммерческая недвижимость»,
``OperationType`` «Сдам», ``ObjectType``, ``Address``, ``Title``, ``Description``,
``Square``, ``Price``, ``ContactPhone``, ``Images/Image@url``. Checked against published
autoload files of commercial rent ads: https://gist.github.com/asqd/0bf263390e267093e8f705ec9c87602a
(ObjectType «Офисное помещение», Square, Price, Images) and
https://gist.github.com/DmitryAppendix (formatVersion 3, ContactPhone, Address); Avito's own
reference, https://autoload.avito.ru/format/realty/, was not reachable from the build machine.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from backend.bulk.cian_xml import KIND_TITLE
from backend.domain.listings import Lot
from backend.domain.parties import PremisesKind
from backend.services.cian_feed import FeedContent

OBJECT_TYPE = {
    PremisesKind.OFFICE: "Офисное помещение",
    PremisesKind.WAREHOUSE: "Складское помещение",
    PremisesKind.RETAIL: "Торговое помещение",
    PremisesKind.OTHER: "Помещение свободного назначения",
    PremisesKind.SERVICE: "Помещение свободного назначения",
}


def _add(parent: etree._Element, tag: str, text: str) -> None:
    etree.SubElement(parent, tag).text = text


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def render_avito(content: FeedContent) -> tuple[bytes, list[str]]:
    """The autoload document and the lots left out (no price)."""
    root = etree.Element("Ads", formatVersion="3", target="Avito.ru")
    skipped = []
    for lot in content.lots:
        if lot.monthly_rent is None:
            skipped.append(f"{lot.external_id}: a premises has no price per m²")
            continue
        _ad(root, lot, content)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), skipped


def _ad(root: etree._Element, lot: Lot, content: FeedContent) -> None:
    ad = etree.SubElement(root, "Ad")
    address = content.addresses.get(lot.building) or lot.building
    title = f"{KIND_TITLE[lot.kind]} {_number(lot.area_m2)} м²"
    _add(ad, "Id", lot.external_id)
    _add(ad, "Category", "Коммерческая недвижимость")
    _add(ad, "OperationType", "Сдам")
    _add(ad, "ObjectType", OBJECT_TYPE[lot.kind])
    _add(ad, "Address", address)
    _add(ad, "Title", f"{title}, {address}")
    _add(ad, "Description", f"{title}. {lot.description}".strip() if lot.description else title)
    _add(ad, "Square", _number(lot.area_m2))
    _add(ad, "Price", _number(lot.monthly_rent or Decimal(0)))
    if lot.floor.lstrip("-").isdigit():
        _add(ad, "Floor", str(int(lot.floor)))
    if content.phone:
        _add(ad, "ContactPhone", content.phone)
    photos = content.photos.get(lot.building, ())
    if photos:
        images = etree.SubElement(ad, "Images")
        for url in photos:
            etree.SubElement(images, "Image", url=url)
