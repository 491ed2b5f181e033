"""The table of scheduled jobs: every capability's jobs, in one list."""

from __future__ import annotations

from jobs import cafe, core, digest, growth, knowledge, privacy
from jobs.spec import JobSpec


def job_table() -> list[JobSpec]:
    return [*core.JOBS, *knowledge.JOBS, *growth.JOBS, *digest.JOBS, *cafe.JOBS, *privacy.JOBS]
