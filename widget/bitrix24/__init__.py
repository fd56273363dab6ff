"""The pages rentflow shows inside Bitrix24: install, the app page (stage mapping), the deal tab."""
