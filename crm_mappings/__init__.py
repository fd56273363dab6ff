"""The CRM side: the port every CRM adapter implements, stage mapping, and the adapters."""
