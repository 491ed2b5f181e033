"""Scheduled jobs of the knowledge capability."""

from __future__ import annotations

from jobs.spec import JobSpec

JOBS: list[JobSpec] = []
