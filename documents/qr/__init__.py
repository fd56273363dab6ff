"""Payment QR codes: ГОСТ Р 56042-2014 (Russia), EPC069-12 (SEPA), NBU 002 (Ukraine)."""

from documents.qr.epc import EpcPayment
from documents.qr.gost import GostEncoding, GostPayment
from documents.qr.image import QrImages, render_qr
from documents.qr.nbu import NbuPayment

__all__ = ["EpcPayment", "GostEncoding", "GostPayment", "NbuPayment", "QrImages", "render_qr"]
