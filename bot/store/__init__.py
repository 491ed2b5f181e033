from bot.store.base import Base, UTCDateTime, utcnow
from bot.store.db import Database, DatabaseUnavailable

__all__ = ["Base", "Database", "DatabaseUnavailable", "UTCDateTime", "utcnow"]
