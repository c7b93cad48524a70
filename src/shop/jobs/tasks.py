"""Periodic housekeeping run by every worker."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

from shop.jobs import service
from shop.jobs.registry import JobContext, register_periodic

log = logging.getLogger(__name__)

DONE_JOBS_KEPT = timedelta(days=7)


@register_periodic("jobs.purge_done", every=timedelta(hours=1))
async def purge_done_jobs(ctx: JobContext) -> None:
    async with ctx.database.transaction() as session:
        removed = await service.purge_done(session, older_than=DONE_JOBS_KEPT)
    if removed:
        log.info("removed %d finished jobs older than %s", removed, DONE_JOBS_KEPT)


# Belongs in shop/carts/tasks.py (carts may import jobs, not the other way round); it lives here
# until the carts feature has its service. Imported by name for the same reason.
@register_periodic("carts.remove_idle", every=timedelta(minutes=30))
async def remove_idle_carts(ctx: JobContext) -> None:
    try:
        carts_service = importlib.import_module("shop.carts.service")
    except ModuleNotFoundError as exc:
        if exc.name != "shop.carts.service":
            raise
        log.debug("shop.carts.service does not exist yet; idle carts are kept")
        return
    remove = getattr(carts_service, "remove_idle_carts", None)
    if remove is None:
        log.debug("shop.carts.service has no remove_idle_carts yet; idle carts are kept")
        return
    older_than = timedelta(days=ctx.settings.cart_idle_days)
    async with ctx.database.transaction() as session:
        removed = await remove(session, older_than=older_than)
    log.info("removed %s carts idle for more than %s", removed, older_than)
