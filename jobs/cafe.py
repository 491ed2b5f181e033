"""Scheduled jobs of the cafe capability."""

from __future__ import annotations

from jobs.spec import JobSpec

JOBS: list[JobSpec] = []
