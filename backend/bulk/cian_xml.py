"""The CIAN XML feed (``feed_version`` 2) of the lots ``services.cian_feed`` chose.

The shape follows CIAN's XML feed format for commercial rent (the «Формат XML-фида» pages
of CIAN's import documentation, https://public.cian.ru/xml-feed/ — not reachable from this
build machine); the element names and nesting were checked against a published feed of a
commercial object, https://pastebin.com/B7TQPdGn (``feed`` > ``feed_version`` 2 >
``object`` with ``Category`` officeRent, ``ExternalId``, ``Address``,
``Phones/PhoneSchema/CountryCode`` + ``Number``, ``TotalArea``, ``FloorNumber``,
``Building/FloorsCount``, ``BargainTerms/Price``). ``docs/cian-feed.xsd`` is the schema the
tests hold the feed to.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from lxml import etree

from backend.domain.bulk import FeedContent
from backend.domain.listings import Lot
from backend.domain.parties import PremisesKind

# rent categories of CIAN's commercial feed, by premises kind
CATEGORY = {
    PremisesKind.OFFICE: "officeRent",
    PremisesKind.WAREHOUSE: "warehouseRent",
    PremisesKind.RETAIL: "shoppingAreaRent",
    PremisesKind.OTHER: "freeAppointmentObjectRent",
    PremisesKind.SERVICE: "freeAppointmentObjectRent",
}
KIND_TITLE = {
    PremisesKind.OFFICE: "Офис",
    PremisesKind.WAREHOUSE: "Склад",
    PremisesKind.RETAIL: "Торговое помещение",
    PremisesKind.OTHER: "Помещение свободного назначения",
    PremisesKind.SERVICE: "Помещение",
}


def number_text(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def add_text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def render_cian(content: FeedContent) -> tuple[bytes, list[str]]:
    """The feed document and the lots left out (no price: CIAN requires one)."""
    root = etree.Element("feed")
    add_text(root, "feed_version", "2")
    return render_lots(root, content, _object)


def render_lots(
    root: etree._Element,
    content: FeedContent,
    write: Callable[[etree._Element, Lot, FeedContent], None],
) -> tuple[bytes, list[str]]:
    """``root`` with each lot that has a price written by ``write`` (an ad site requires a
    price), as the document; and the lots left out."""
    skipped = []
    for lot in content.lots:
        if lot.monthly_rent is None:
            skipped.append(f"{lot.external_id}: a premises has no price per m²")
            continue
        write(root, lot, content)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), skipped


def _object(root: etree._Element, lot: Lot, content: FeedContent) -> None:
    item = etree.SubElement(root, "object")
    add_text(item, "ExternalId", lot.external_id)
    title = f"{KIND_TITLE[lot.kind]} {number_text(lot.area_m2)} м²"
    description = f"{title}. {lot.description}".strip() if lot.description else title
    add_text(item, "Description", description)
    add_text(item, "Address", content.addresses.get(lot.building) or lot.building)
    if content.phone.startswith("+7") and len(content.phone) == 12:
        phones = etree.SubElement(item, "Phones")
        schema = etree.SubElement(phones, "PhoneSchema")
        add_text(schema, "CountryCode", "+7")
        add_text(schema, "Number", content.phone[2:])
    add_text(item, "Category", CATEGORY[lot.kind])
    add_text(item, "TotalArea", number_text(lot.area_m2))
    if lot.floor.lstrip("-").isdigit():
        add_text(item, "FloorNumber", str(int(lot.floor)))
    building = etree.SubElement(item, "Building")
    add_text(building, "Name", lot.building)
    terms = etree.SubElement(item, "BargainTerms")
    add_text(terms, "Price", number_text(lot.monthly_rent or Decimal(0)))
    add_text(terms, "Currency", "rur")
    add_text(terms, "PaymentPeriod", "monthly")
    add_text(terms, "PriceType", "all")
    photos = content.photos.get(lot.building, ())
    if photos:
        holder = etree.SubElement(item, "Photos")
        for number, url in enumerate(photos):
            photo = etree.SubElement(holder, "PhotoSchema")
            add_text(photo, "FullUrl", url)
            add_text(photo, "IsDefault", "true" if number == 0 else "false")
