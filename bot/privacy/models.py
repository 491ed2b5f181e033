"""Tables of the privacy capability (added by migration 0006_privacy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime


class ErasureLog(Base):
    """One line per erasure, so staff can show that requests were honoured.

    It holds no user id, no hash of one and not the pseudonym: only when, through what, and how
    many rows of each table were deleted or anonymised. A salted hash would let us answer "was
    U123 erased?", but the member already got a confirmation, and any stable token derived from
    the id would be a trace of it.
    """

    __tablename__ = "privacy_erasure_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    via: Mapped[str] = mapped_column(String(16))  # slack | cli | retention
    rows_deleted: Mapped[int] = mapped_column(Integer, default=0)
    rows_anonymised: Mapped[int] = mapped_column(Integer, default=0)
    # JSON: {"table": {"deleted": n, "anonymised": m}}
    tables: Mapped[str] = mapped_column(Text, default="{}")
