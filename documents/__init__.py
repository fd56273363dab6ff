"""Documents: invoice, QR invoice and act; QR payloads, amounts in words, PDF rendering."""
