"""Periodic housekeeping run by every worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from shop.jobs import service
from shop.jobs.registry import JobContext, register_periodic
from shop.observability import metrics

log = logging.getLogger(__name__)

DONE_JOBS_KEPT = timedelta(days=7)


@register_periodic("jobs.purge_done", every=timedelta(hours=1))
async def purge_done_jobs(ctx: JobContext) -> None:
    async with ctx.database.transaction() as session:
        removed = await service.purge_done(session, older_than=DONE_JOBS_KEPT)
    if removed:
        log.info("removed %d finished jobs older than %s", removed, DONE_JOBS_KEPT)


@register_periodic("jobs.sample_queue_depth", every=timedelta(seconds=15))
async def sample_queue_depth(ctx: JobContext) -> None:
    """For the job-queue gauge (a cheap grouped count; every worker samples, the newest wins)."""
    async with ctx.database.read() as session:
        metrics.set_job_queue_depth(await service.job_counts(session))
