"""Scheduled jobs of the privacy capability."""

from __future__ import annotations

from jobs.spec import JobSpec

JOBS: list[JobSpec] = []
