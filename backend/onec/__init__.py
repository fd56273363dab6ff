"""1C: bank statement files (1CClientBankExchange), the OData client, exports."""
