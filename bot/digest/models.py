"""Tables of the digest capability (added by migration 0004_digest)."""

from __future__ import annotations
