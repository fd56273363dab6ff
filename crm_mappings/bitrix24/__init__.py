"""Bitrix24 adapter: REST client and the CRM port over it."""
