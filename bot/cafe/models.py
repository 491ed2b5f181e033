"""Tables of the cafe capability (added by migration 0005_cafe)."""

from __future__ import annotations
