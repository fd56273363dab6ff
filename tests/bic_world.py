"""The BIC directory the tests load: the sandbox's sample of real banks, and a landlord form
whose bank is in it."""

from __future__ import annotations

from importlib.resources import files

from backend.bootstrap import Container
from backend.cbr.ed807 import read_directory
from backend.services.bank_directory import load_directory

SAMPLE_BYTES = files("sandbox.cbr").joinpath("ed807_sample.xml").read_bytes()
SAMPLE = read_directory(SAMPLE_BYTES)
FORM = {
    "name": 'ООО "Ромашка"', "inn": "7707083893", "kpp": "773601001",
    "bank_bic": "044525225", "bank_name": "ПАО Сбербанк",
    "bank_corr_account": "30101810400000000225", "bank_account": "40702810938000000001",
    "director_name": "Иванов И. И.",
}  # fmt: skip
# a БИК no bank has, with accounts whose control keys fit it
OTHER_BANK = {"bank_bic": "044525999", "bank_corr_account": "30101810600000000999",
              "bank_account": "40702810338000000001"}  # fmt: skip
# Сбербанк's БИК with a correspondent account whose key fits it, but not Сбербанк's
NOT_SBERS_CORR = "30101810700000001225"


def load_sample(container: Container) -> None:
    """Load the sample as ``rentflow bic load`` would."""
    with container.uow(None) as uow:
        load_directory(uow, container.clock, SAMPLE.banks, 0, SAMPLE.business_day)
