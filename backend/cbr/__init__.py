"""The Bank of Russia's files: the BIC directory (ЭСИД ED807) read, and fetched from cbr.ru."""
