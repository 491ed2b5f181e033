"""Tables of the privacy capability (added by migration 0006_privacy)."""

from __future__ import annotations
