"""Benchmark of document rendering (run by hand, not by pytest).

    PYTHONPATH=. python bench/bench_documents.py [--runs 40] [--memory-renders 1000]

Measures, in one process and side by side (interleaved, after a warm-up):
- the median time to write one QR invoice PDF (``DocumentRenderer.render_pdf``) and the
  WeasyPrint layout-only time of the same template and view (``HTML.render()``, no PDF),
  and their ratio (issue 3 target: at most 1.6);
- the median of the whole path (payment QR + view-model + PDF);
- the PDF size (target: under 100 KB);
- a lease's three PDFs of a month (invoice pair + act) on each engine: the shipped templates
  drawn by ReportLab (``documents.reportlab_drawing``, what the billing run uses) and laid out by
  WeasyPrint, with their sizes;
- RSS over ``--memory-renders`` renders of the whole path on ``--engine`` (target: flat).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from documents.input import parse_request
from documents.payment_qr import payment_qr
from documents.render import ENGINES, DocumentRenderer
from documents.view import build_view

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "documents-input.json"


def rss_mb() -> float:
    """Resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def harfbuzz_subset_loaded() -> bool:
    """Whether WeasyPrint subsets fonts with libharfbuzz-subset (else the fontTools fallback)."""
    with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
        return "libharfbuzz-subset" in maps.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--memory-renders", type=int, default=1000)
    parser.add_argument(
        "--fonttools-fallback",
        action="store_true",
        help="pretend libharfbuzz-subset is missing (WeasyPrint subsets with fontTools)",
    )
    parser.add_argument("--engine", choices=ENGINES, default="reportlab", help="of the RSS loop")
    args = parser.parse_args()
    if args.fonttools_fallback:
        import logging

        import weasyprint.pdf.fonts

        weasyprint.pdf.fonts.harfbuzz_subset = None
        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # one warning per font

    request = parse_request(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    renderer = DocumentRenderer(engine="weasyprint")
    qr = payment_qr(request.lease, request.invoice)
    view = build_view(request.lease, request.invoice, qr_data_uri=qr.images.png_data_uri)
    assert request.act is not None  # the example has an act
    act = build_view(request.lease, request.act)
    engines = {engine: DocumentRenderer(engine=engine) for engine in ENGINES}

    def full(engine: str = "weasyprint") -> bytes:
        code = payment_qr(request.lease, request.invoice)
        doc = build_view(request.lease, request.invoice, qr_data_uri=code.images.png_data_uri)
        return engines[engine].render_pdf("invoice", doc)

    def month(engine: str) -> list[bytes]:
        with_qr, plain = engines[engine].render_invoice_pair(view)
        return [with_qr, plain, engines[engine].render_pdf("act", act)]

    for _ in range(5):  # warm-up: imports, font loading, Jinja compilation
        renderer.layout("invoice", view)
        pdf = renderer.render_pdf("invoice", view)
        full()
        for engine in ENGINES:
            month(engine)

    layout_times, pdf_times, full_times = [], [], []
    month_times: dict[str, list[float]] = {engine: [] for engine in ENGINES}
    for _ in range(args.runs):
        for engine in ENGINES:
            start = time.perf_counter()
            month(engine)
            month_times[engine].append(time.perf_counter() - start)
        start = time.perf_counter()
        renderer.layout("invoice", view)
        layout_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        pdf = renderer.render_pdf("invoice", view)
        pdf_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        full()
        full_times.append(time.perf_counter() - start)

    layout_ms = statistics.median(layout_times) * 1000
    pdf_ms = statistics.median(pdf_times) * 1000
    full_ms = statistics.median(full_times) * 1000
    print(f"libharfbuzz-subset loaded:        {harfbuzz_subset_loaded()}")
    print(f"fontTools fallback forced:        {args.fonttools_fallback}")
    print(f"runs (interleaved):               {args.runs}")
    print(f"layout only, HTML.render():       {layout_ms:7.1f} ms (median)")
    print(f"QR invoice PDF, write_pdf():      {pdf_ms:7.1f} ms (median)")
    print(f"ratio PDF / layout:               {pdf_ms / layout_ms:7.2f}  (target <= 1.6)")
    print(f"QR + view + PDF, whole path:      {full_ms:7.1f} ms (median)")
    print(f"ratio whole path / layout:        {full_ms / layout_ms:7.2f}")
    print(f"QR invoice PDF size:              {len(pdf) / 1024:7.1f} KB (target < 100)")
    for engine in ENGINES:
        sizes = " / ".join(f"{len(file) / 1024:.1f}" for file in month(engine))
        median = statistics.median(month_times[engine]) * 1000
        print(f"lease's 3 PDFs, {engine:<10}        {median:7.1f} ms (median); {sizes} KB")

    if args.memory_renders < 10:
        return
    samples = []
    for i in range(1, args.memory_renders + 1):
        full(args.engine)
        if i % (args.memory_renders // 10) == 0:
            samples.append((i, rss_mb()))
    trend = ", ".join(f"{i}: {mb:.0f}" for i, mb in samples)
    print(f"RSS over renders on {args.engine} (MB): {trend}")
    first, last = samples[0][1], samples[-1][1]
    print(f"RSS growth after the first tenth: {last - first:+.1f} MB")


if __name__ == "__main__":
    main()
