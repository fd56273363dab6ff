"""1C emulator: an OData v3 ``standard.odata`` service and a bank statement file generator."""
