"""The Bank of Russia in the sandbox: a small sample of its BIC directory (ЭСИД ED807)."""
