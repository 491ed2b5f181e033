"""Tables of the knowledge capability (added by migration 0002_knowledge)."""

from __future__ import annotations
