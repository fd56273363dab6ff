"""Rendered PDFs, read back the way an accountant's tools read them: text and a QR scan."""

from __future__ import annotations

import copy
import html
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from documents.bundle import render_bundle
from documents.errors import InvalidDocumentData
from documents.input import parse_request
from documents.payment_qr import payment_qr
from documents.qr import render_qr
from documents.qr.gost import parse_gost
from documents.render import ENGINES, DocumentRenderer
from documents.view import build_view

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "documents-input.json"


@pytest.fixture(scope="module", params=ENGINES)
def renderer(request: pytest.FixtureRequest) -> DocumentRenderer:
    """Each test of the shipped templates runs on both engines (documents.reportlab_drawing)."""
    return DocumentRenderer(engine=request.param)


def _input(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        target[last] = value
    return copy.deepcopy(data)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").split())


def _scan_pdf(pdf: bytes, tmp_path: Path) -> bytes:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "doc.pdf", "page"],
        cwd=tmp_path, check=True,
    )  # fmt: skip
    scan = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "page.png"], cwd=tmp_path, check=False, capture_output=True
    )
    assert scan.returncode in (0, 4), scan.stderr  # 4: zbarimg found no symbol
    return scan.stdout.removesuffix(b"\n")


def test_invoice_prints_requisites_totals_vat_and_amount_in_words(
    renderer: DocumentRenderer,
) -> None:
    files = render_bundle(parse_request(_input()), renderer)
    text = _text(files["invoice.pdf"])
    for expected in [
        "ПАО СБЕРБАНК", "БИК 044525225", "30101810400000000225", "40702810938000000001",
        "ИНН 7707083893", "КПП 773601001", "Счет на оплату № СЧ-2026-00001 от «1» февраля 2026 г.",
        "ООО «Василёк», ИНН 7728168971, КПП 772801001",
        "Договор аренды № А-15/2026 от 15.01.2026",
        "Аренда помещения 101 за февраль 2026", "10 000,00", "2 345,07",
        "Итого: 12 345,07", "В том числе НДС (22%): 2 226,16", "Всего к оплате: 12 345,07",
        "Всего наименований 2, на сумму 12 345,07 руб.",
        "Двенадцать тысяч триста сорок пять рублей 07 копеек",
        "Оплатить не позднее 05.02.2026", "Иванов И. И.", "Петрова А. С.",
    ]:  # fmt: skip
        assert expected in text


_SHIPPED_ONLY = """
import json, sys
from documents.bundle import render_bundle
from documents.input import parse_request
from documents.publishing import preload
from documents.render import DocumentRenderer

preload()  # what a worker does before forking its children
request = parse_request(json.loads(open(sys.argv[1], encoding="utf-8").read()))
files = render_bundle(request, DocumentRenderer())
print(sorted(files), "weasyprint" in sys.modules)
"""


def test_a_process_drawing_the_shipped_templates_never_loads_weasyprint() -> None:
    """WeasyPrint (and Pango) load when a document needs them, not at every start of a worker,
    a web process or a CLI command (~0.6 s of CPU each)."""
    done = subprocess.run(
        [sys.executable, "-c", _SHIPPED_ONLY, str(EXAMPLE)], cwd=EXAMPLE.parents[2],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    files, loaded = done.stdout.rsplit("] ", 1)
    for name in ("invoice.pdf", "invoice-qr.pdf", "act.pdf"):
        assert f"'{name}'" in files
    assert loaded.strip() == "False"


def test_qr_invoice_scans_to_the_payload_of_the_invoice(
    renderer: DocumentRenderer, tmp_path: Path
) -> None:
    request = parse_request(_input())
    files = render_bundle(request, renderer)
    scanned = _scan_pdf(files["invoice-qr.pdf"], tmp_path)
    assert scanned == files["qr-payload.txt"]
    fields = parse_gost(scanned.decode())
    assert fields["Sum"] == "1234507"
    assert fields["DocNo"] == "СЧ-2026-00001"
    assert fields["PersonalAcc"] == "40702810938000000001"
    assert fields["Purpose"].endswith("В т.ч. НДС 22% - 2226.16 руб.")
    assert _scan_pdf(files["invoice.pdf"], tmp_path) == b""  # the plain invoice has no QR


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_plain_invoice_is_the_qr_invoice_without_its_code(renderer: DocumentRenderer) -> None:
    files = render_bundle(parse_request(_input()), renderer)
    with_qr, plain = _text(files["invoice-qr.pdf"]), _text(files["invoice.pdf"])
    assert "Оплата по QR-коду" in with_qr
    assert plain == with_qr.replace(" Оплата по QR-коду", "")  # the same words, in place
    assert (_images(files["invoice-qr.pdf"]), _images(files["invoice.pdf"])) == (1, 0)
    pages = [PdfReader(io.BytesIO(files[name])).pages for name in ("invoice-qr.pdf", "invoice.pdf")]
    assert [len(p) for p in pages] == [1, 1]
    assert pages[0][0].mediabox == pages[1][0].mediabox


def test_a_landlord_invoice_without_a_qr_block_still_gets_a_plain_invoice(
    tmp_path: Path,
) -> None:
    own = tmp_path / "romashka"
    own.mkdir()
    (own / "invoice.html").write_text(
        '{% extends "default/invoice.html" %}{% block wording %}'
        '{% if doc.qr_data_uri %}<p class="code"><img src="{{ doc.qr_data_uri }}"'
        ' style="width: 32mm">Сканируйте</p>{% endif %}{% endblock %}',
        encoding="utf-8",
    )  # the shipped .qr block stays out of the default/ body: only this one is drawn
    (own / "style.css").write_text(".qr { display: none; }", encoding="utf-8")
    renderer = DocumentRenderer(override_root=tmp_path)
    files = render_bundle(parse_request(_input(template_key="romashka")), renderer)
    assert "Сканируйте" in _text(files["invoice-qr.pdf"])
    assert "Сканируйте" not in _text(files["invoice.pdf"])
    assert _images(files["invoice.pdf"]) == 0


def test_qr_images_are_png_and_svg_of_the_same_payload(renderer: DocumentRenderer) -> None:
    files = render_bundle(parse_request(_input()), renderer)
    assert files["qr.png"].startswith(b"\x89PNG")
    assert b"<svg" in files["qr.svg"]
    assert files["qr-payload.txt"].startswith("ST00012|Name=ООО «Ромашка»".encode())


def test_untaxed_lease_prints_without_vat(renderer: DocumentRenderer, tmp_path: Path) -> None:
    files = render_bundle(parse_request(_input(lease__vat_rate=None)), renderer)
    assert "Без налога (НДС): —" in _text(files["invoice.pdf"])
    assert parse_gost(_scan_pdf(files["invoice-qr.pdf"], tmp_path).decode())["Purpose"].endswith(
        "Без НДС"
    )


def test_vat_on_top_adds_to_the_amount_due(renderer: DocumentRenderer) -> None:
    files = render_bundle(parse_request(_input(lease__vat_included=False)), renderer)
    text = _text(files["invoice.pdf"])
    assert "Итого: 12 345,07" in text
    assert "Сумма НДС (22%): 2 715,92" in text
    assert "Всего к оплате: 15 060,99" in text
    assert "Пятнадцать тысяч шестьдесят рублей 99 копеек" in text


def test_act_carries_the_requisites_of_402_fz(renderer: DocumentRenderer) -> None:
    text = _text(render_bundle(parse_request(_input()), renderer)["act.pdf"])
    for expected in [
        "Акт № АКТ-2026-00001 от «28» февраля 2026 г.",
        "Исполнитель: ООО «Ромашка», ИНН 7707083893",
        "Заказчик: ООО «Василёк», ИНН 7728168971",
        "Аренда помещения 101 за февраль 2026",
        "Всего к оплате: 12 345,07", "В том числе НДС (22%): 2 226,16",
        "Всего оказано услуг 2, на сумму 12 345,07 руб.",
        "Генеральный директор", "Иванов И. И.", "Директор", "Смирнов А. В.",
    ]:  # fmt: skip
        assert expected in text


def test_partial_period_lines_name_the_dates(renderer: DocumentRenderer) -> None:
    data = _input(period={"start": "2026-02-20", "end": "2026-02-28"})
    text = _text(render_bundle(parse_request(data), renderer)["invoice.pdf"])
    assert "Аренда помещения 101 за 20.02.2026–28.02.2026" in text


def test_english_template(renderer: DocumentRenderer) -> None:
    text = _text(render_bundle(parse_request(_input(language="en")), renderer)["invoice.pdf"])
    assert "Invoice No. СЧ-2026-00001 of 1 February 2026" in text
    assert "Rent of premises 101 for February 2026" in text
    assert "twelve thousand, three hundred and forty-five roubles 07 kopeks".capitalize() in text


def test_pdfs_stay_small(renderer: DocumentRenderer) -> None:
    files = render_bundle(parse_request(_input()), renderer)
    assert len(files["invoice-qr.pdf"]) < 100_000
    assert len(files["act.pdf"]) < 100_000


def test_landlord_overrides_layout_and_style_without_touching_others(tmp_path: Path) -> None:
    own = tmp_path / "romashka"
    own.mkdir()
    (own / "layout.html").write_text(
        '{% extends "default/layout.html" %}'
        "{% block footer %}Ромашка: аренда с 1998 года{% endblock %}",
        encoding="utf-8",
    )
    (own / "style.css").write_text(".footer { color: #c00; }", encoding="utf-8")
    renderer = DocumentRenderer(override_root=tmp_path)
    request = parse_request(_input(template_key="romashka"))
    assert "Ромашка: аренда с 1998 года" in _text(render_bundle(request, renderer)["act.pdf"])
    other = parse_request(_input(template_key="vasilek"))
    assert "1998" not in _text(render_bundle(other, renderer)["act.pdf"])


def test_landlords_without_templates_of_their_own_share_the_compiled_shipped_ones(
    tmp_path: Path,
) -> None:
    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "style.css").write_text(".footer { color: #c00; }", encoding="utf-8")
    renderer = DocumentRenderer(override_root=tmp_path)
    shared = renderer._environment("1")
    assert renderer._environment("2") is shared
    assert renderer._environment("7") is not shared
    assert len(renderer._stylesheets("2")) == 1
    assert len(renderer._stylesheets("7")) == 2
    (tmp_path / "2").mkdir()  # a landlord who gets a template later has it from then on
    (tmp_path / "2" / "style.css").write_text(".footer { color: #00c; }", encoding="utf-8")
    assert renderer._environment("2") is not shared
    assert len(renderer._stylesheets("2")) == 2


def test_documents_cannot_load_files_outside_fonts_and_templates(tmp_path: Path) -> None:
    # here, not at the top: WeasyPrint costs every test process ~0.5 s to import, and only
    # the one running this module's WeasyPrint tests needs it
    from documents.weasyprint_layout import LocalOnlyFetcher

    fetcher = LocalOnlyFetcher([tmp_path])
    with pytest.raises(ValueError, match="may not load"):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("http://127.0.0.1/logo.png")
    (tmp_path / "logo.txt").write_text("ok", encoding="utf-8")
    assert fetcher.fetch((tmp_path / "logo.txt").as_uri()).read() == b"ok"


def test_view_and_qr_agree_on_the_total() -> None:
    request = parse_request(_input())
    view = build_view(request.lease, request.invoice)
    qr = payment_qr(request.lease, request.invoice)
    assert view.grand_total == "12\u00a0345,07"
    assert parse_gost(qr.payload)["Sum"] == str(request.invoice.total.minor)


def test_euro_invoice_carries_an_epc_girocode(renderer: DocumentRenderer, tmp_path: Path) -> None:
    data = _input(currency="EUR", language="en")
    data["landlord"].update(
        name="Rentflow GmbH", inn="DE123456789", kpp="",
        bank={"bank_name": "Deutsche Bank", "bic": "DEUTDEFFXXX",
              "account": "DE89370400440532013000"},
    )  # fmt: skip
    files = render_bundle(parse_request(data), renderer)
    scanned = _scan_pdf(files["invoice-qr.pdf"], tmp_path).decode()
    assert scanned.split("\n")[:8] == [
        "BCD", "002", "1", "SCT", "DEUTDEFFXXX", "Rentflow GmbH", "DE89370400440532013000",
        "EUR12345.07",
    ]  # fmt: skip
    assert "Total: 12,345.07" in _text(files["invoice.pdf"])


def test_hryvnia_invoice_carries_an_nbu_link(renderer: DocumentRenderer, tmp_path: Path) -> None:
    data = _input(currency="UAH")
    data["landlord"].update(
        name="ТОВ «Оренда Плюс»", inn="12345678", kpp="",
        bank={"bank_name": "ПриватБанк", "bic": "", "account": "UA213223130000026007233566001"},
    )  # fmt: skip
    files = render_bundle(parse_request(data), renderer)
    scanned = _scan_pdf(files["invoice-qr.pdf"], tmp_path)
    assert scanned == files["qr-payload.txt"]
    assert scanned.startswith(b"https://bank.gov.ua/qr/")
    assert "Двенадцать тысяч триста сорок пять гривен 07 копеек" in _text(files["invoice.pdf"])


def test_landlord_logo_is_loaded_from_their_own_directory(tmp_path: Path) -> None:
    own = tmp_path / "romashka"
    own.mkdir()
    (own / "logo.png").write_bytes(render_qr("logo").png)
    (own / "layout.html").write_text(
        '{% extends "default/layout.html" %}'
        '{% block logo %}<img class="logo" src="logo.png" alt="">{% endblock %}',
        encoding="utf-8",
    )
    renderer = DocumentRenderer(override_root=tmp_path)
    act = render_bundle(parse_request(_input(template_key="romashka")), renderer)["act.pdf"]
    assert len(PdfReader(io.BytesIO(act)).pages[0].images) == 1


def test_template_key_cannot_point_outside_the_override_root(tmp_path: Path) -> None:
    renderer = DocumentRenderer(override_root=tmp_path / "templates")
    request = parse_request(_input())
    view = build_view(request.lease, request.invoice)
    with pytest.raises(InvalidDocumentData) as caught:
        renderer.render_html("invoice", view, "../etc")
    assert caught.value.field == "template_key"


def test_a_template_cannot_embed_files_from_outside_its_directory(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(render_qr("secret").png)
    own = tmp_path / "templates" / "romashka"
    own.mkdir(parents=True)
    (own / "layout.html").write_text(
        '{% extends "default/layout.html" %}'
        f'{{% block logo %}}<img src="{outside.as_uri()}" alt="">{{% endblock %}}',
        encoding="utf-8",
    )
    renderer = DocumentRenderer(override_root=tmp_path / "templates")
    act = render_bundle(parse_request(_input(template_key="romashka")), renderer)["act.pdf"]
    assert len(PdfReader(io.BytesIO(act)).pages[0].images) == 0


def _producer(pdf: bytes) -> str:
    return str((PdfReader(io.BytesIO(pdf)).metadata or {}).get("/Producer", ""))


def _bundles(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    request = parse_request(data)
    return {engine: render_bundle(request, DocumentRenderer(engine=engine)) for engine in ENGINES}


LONG_NAMES: dict[str, Any] = {
    "tenant__signatory__name": "Константинопольский-Щедрин Александр Вениаминович",
    "tenant__signatory__position": "Заместитель генерального директора по коммерческим вопросам",
    "tenant__name": "ООО «Очень длинное наименование арендатора, которое не умещается в строку»",
    "lines": [{"premises": "101", "price": "10000.00", "unit": "кв. м в месяц"}],
}


MM = 72 / 25.4  # points
Box = tuple[int, str, float, float, float]  # page, word, left, right, bottom


def _word_boxes(pdf: bytes) -> list[Box]:
    """Every word of ``pdf`` with its page and its box's left, right and bottom edges in
    points, as ``pdftotext -bbox`` (poppler) reads them. The top edge is left out: it comes
    from the ascent each engine writes in the font descriptor (ReportLab the OS/2 table's 0.76
    em, WeasyPrint the hhea table's 0.93 em), not from where the glyphs are; the bottom edge
    is the baseline plus the descent, 0.24 em in both."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    boxes: list[Box] = []
    for page, content in enumerate(xhtml.split("<page ")[1:]):
        for word in re.finditer(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            content,
        ):
            left, right, bottom = (float(word.group(n)) for n in (1, 2, 3))
            boxes.append((page, html.unescape(word.group(4)), left, right, bottom))
    return boxes


def _misplaced(drawn: list[Box], laid_out: list[Box], tolerance: float) -> list[str]:
    """Words of ``drawn`` with no word of the same text on the same page of ``laid_out``
    within ``tolerance`` points on each edge (each word of ``laid_out`` matched once)."""
    left = list(laid_out)
    wrong = []
    for page, text, *edges in drawn:
        same = [box for box in left if box[:2] == (page, text)]
        nearest = min(
            same,
            key=lambda box: max(abs(a - b) for a, b in zip(box[2:], edges, strict=True)),
            default=None,
        )
        if nearest is None:
            wrong.append(f"{text!r} on page {page + 1}: not in the other PDF")
            continue
        left.remove(nearest)
        off = max(abs(a - b) for a, b in zip(nearest[2:], edges, strict=True))
        if off > tolerance:
            wrong.append(f"{text!r} on page {page + 1}: {off / MM:.2f} mm off")
    return wrong


OVER_PAGES = {"lines": [{"premises": f"P-{n}", "price": "1500.00"} for n in range(1, 81)]}


@pytest.mark.parametrize(
    "changes",
    [{"language": "ru"}, {"language": "en"}, LONG_NAMES, OVER_PAGES],
    ids=["ru", "en", "long", "pages"],
)
def test_both_engines_put_every_word_in_the_same_place(changes: dict[str, Any]) -> None:
    """The shipped layouts are drawn by ReportLab (documents.reportlab_drawing) and laid out by
    WeasyPrint from templates/*.html + style.css: every word within 1 mm of its place."""
    drawn, weasy = _bundles(_input(**changes)).values()
    assert _producer(drawn["act.pdf"]) == "rentflow (ReportLab)"
    assert _producer(weasy["act.pdf"]).startswith("WeasyPrint")
    for name in ("invoice-qr.pdf", "invoice.pdf", "act.pdf"):
        boxes = [_word_boxes(files[name]) for files in (drawn, weasy)]
        assert sorted(box[:2] for box in boxes[0]) == sorted(box[:2] for box in boxes[1]), name
        assert _misplaced(*boxes, tolerance=1 * MM) == [], name
        pages = [PdfReader(io.BytesIO(files[name])).pages for files in (drawn, weasy)]
        assert len(pages[0]) == len(pages[1]), name
        sizes = [[round(float(side)) for side in page[0].mediabox] for page in pages]
        assert sizes[0] == sizes[1] == [0, 0, 595, 842]  # A4 in points
    first_pages = [
        PdfReader(io.BytesIO(files["invoice-qr.pdf"])).pages[0] for files in (drawn, weasy)
    ]
    assert [len(page.images) for page in first_pages] == [1, 1]  # the QR code


def test_a_word_out_of_place_is_found() -> None:
    """The parity check above can fail: a word 1.1 mm lower, or missing, is reported."""
    placed: list[Box] = [(0, "Итого", 100.0, 130.0, 300.0), (0, "Всего", 100.0, 130.0, 320.0)]
    moved = [placed[0], (0, "Всего", 100.0, 130.0, 320.0 + 1.1 * MM)]
    assert _misplaced(moved, placed, tolerance=1 * MM) == ["'Всего' on page 1: 1.10 mm off"]
    assert _misplaced(placed[:1], placed, 1 * MM) == []
    assert _misplaced([(1, "Итого", 100.0, 130.0, 300.0)], placed, 1 * MM) == [
        "'Итого' on page 2: not in the other PDF"
    ]


def test_a_long_invoice_goes_on_over_pages_with_its_column_heads(tmp_path: Path) -> None:
    lines = [{"premises": f"P-{n}", "price": "1500.00"} for n in range(1, 81)]
    for engine, files in _bundles(_input(lines=lines)).items():
        pages = PdfReader(io.BytesIO(files["invoice-qr.pdf"])).pages
        assert len(pages) >= 2, engine
        texts = [" ".join(page.extract_text().split()) for page in pages]
        assert all("Цена Сумма" in text for text in texts), engine  # the heads repeat
        whole = " ".join(texts)
        assert all(f"Аренда помещения P-{n} за февраль" in whole for n in range(1, 81)), engine
        assert "Всего наименований 80" in texts[-1], engine
        assert _scan_pdf(files["invoice-qr.pdf"], tmp_path) == files["qr-payload.txt"]


def test_markup_in_names_is_printed_as_it_is() -> None:
    for engine, files in _bundles(_input(tenant__name="ООО «Б & К <b>Плюс</b>»")).items():
        assert "ООО «Б & К <b>Плюс</b>»" in _text(files["act.pdf"]), engine


def test_text_the_shipped_font_lacks_is_laid_out_by_weasyprint() -> None:
    files = _bundles(_input(tenant__name="ООО «Ծաղիկ»"))["reportlab"]  # Armenian
    assert _producer(files["act.pdf"]).startswith("WeasyPrint")
    assert "Ծաղիկ" in _text(files["act.pdf"])
    assert _producer(files["invoice-qr.pdf"]).startswith("WeasyPrint")


def test_a_landlord_with_templates_of_their_own_keeps_weasyprint(tmp_path: Path) -> None:
    (tmp_path / "romashka").mkdir()
    (tmp_path / "romashka" / "style.css").write_text("h1 { color: #c00; }", encoding="utf-8")
    renderer = DocumentRenderer(override_root=tmp_path)
    own = render_bundle(parse_request(_input(template_key="romashka")), renderer)
    shipped = render_bundle(parse_request(_input(template_key="vasilek")), renderer)
    assert _producer(own["act.pdf"]).startswith("WeasyPrint")
    assert _producer(shipped["act.pdf"]) == "rentflow (ReportLab)"


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="reportlab, weasyprint"):
        DocumentRenderer(engine="chrome")


def _font_files(pdf: bytes) -> list[bytes]:
    """The embedded TrueType programs of ``pdf``, decoded."""
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()
    return sorted(
        font.get_object()["/FontDescriptor"]["/FontFile2"].get_data()
        for font in fonts
        if "/FontDescriptor" in font.get_object()
    )


def test_russian_documents_embed_the_same_font_subsets_whatever_their_words() -> None:
    renderer = DocumentRenderer(engine="reportlab")
    one = render_bundle(parse_request(_input()), renderer)
    other = render_bundle(
        parse_request(_input(tenant__name="ИП Щукин Фёдор Эдуардович", lease__number="Ж-99/2027")),
        renderer,
    )
    assert "Щукин Фёдор Эдуардович" in _text(other["act.pdf"])
    subsets = _font_files(one["invoice.pdf"])
    assert len(subsets) == 2  # regular and bold, each one subset
    for files in (one, other):
        for name in ("invoice-qr.pdf", "invoice.pdf", "act.pdf"):
            assert _font_files(files[name]) == subsets, name
