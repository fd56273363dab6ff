"""amoCRM adapter: API v4 client and the CRM port over it."""
