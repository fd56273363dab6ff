"""Emulators of Bitrix24, amoCRM, 1C OData and an SMTP sink, for the demo and the tests."""
