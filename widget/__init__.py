"""Widget assets shipped as package data: amocrm/ and bitrix24/."""
