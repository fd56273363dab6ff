"""The Bank of Russia's BIC directory as last loaded (``rentflow bic load``): one row per БИК
offered. Global, not portal-scoped: the directory is the same for every portal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base

__all__ = ["BankDirectoryRow"]


class BankDirectoryRow(Base):
    """A bank of the directory; the whole table is replaced by each load, in one transaction."""

    __tablename__ = "bank_directory"

    bic: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    corr_account: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    place_type: Mapped[str] = mapped_column(String(8), default="")
    region: Mapped[str] = mapped_column(String(4), default="")
    postal_code: Mapped[str] = mapped_column(String(8), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    business_day: Mapped[str] = mapped_column(String(10), default="")  # of the file, YYYY-MM-DD
    loaded_at: Mapped[datetime]
