"""rentflow: lease billing for commercial landlords inside Bitrix24 and amoCRM."""
