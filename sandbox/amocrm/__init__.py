"""Emulator of an amoCRM account (API v4 + OAuth), mounted at /sandbox/amocrm."""
