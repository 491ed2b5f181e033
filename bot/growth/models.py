"""Tables of the growth capability (added by migration 0003_growth)."""

from __future__ import annotations
