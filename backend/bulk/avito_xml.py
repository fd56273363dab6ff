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

from backend.bulk.cian_xml import KIND_TITLE, add_text, number_text, render_lots
from backend.domain.bulk import FeedContent
from backend.domain.listings import Lot
from backend.domain.parties import PremisesKind

OBJECT_TYPE = {
    PremisesKind.OFFICE: "Офисное помещение",
    PremisesKind.WAREHOUSE: "Складское помещение",
    PremisesKind.RETAIL: "Торговое помещение",
    PremisesKind.OTHER: "Помещение свободного назначения",
    PremisesKind.SERVICE: "Помещение свободного назначения",
}


def render_avito(content: FeedContent) -> tuple[bytes, list[str]]:
    """The autoload document and the lots left out (no price)."""
    return render_lots(etree.Element("Ads", formatVersion="3", target="Avito.ru"), content, _ad)


def _ad(root: etree._Element, lot: Lot, content: FeedContent) -> None:
    ad = etree.SubElement(root, "Ad")
    address = content.addresses.get(lot.building) or lot.building
    title = f"{KIND_TITLE[lot.kind]} {number_text(lot.area_m2)} м²"
    add_text(ad, "Id", lot.external_id)
    add_text(ad, "Category", "Коммерческая недвижимость")
    add_text(ad, "OperationType", "Сдам")
    add_text(ad, "ObjectType", OBJECT_TYPE[lot.kind])
    add_text(ad, "Address", address)
    add_text(ad, "Title", f"{title}, {address}")
    add_text(ad, "Description", f"{title}. {lot.description}".strip() if lot.description else title)
    add_text(ad, "Square", number_text(lot.area_m2))
    add_text(ad, "Price", number_text(lot.monthly_rent or Decimal(0)))
    if lot.floor.lstrip("-").isdigit():
        add_text(ad, "Floor", str(int(lot.floor)))
    if content.phone:
        add_text(ad, "ContactPhone", content.phone)
    photos = content.photos.get(lot.building, ())
    if photos:
        images = etree.SubElement(ad, "Images")
        for url in photos:
            etree.SubElement(images, "Image", url=url)
