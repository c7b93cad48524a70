"""Periodic reconciliation of the money path: whatever a request left unfinished because the
payment provider did not answer (or the process died) is finished here.

- checkouts whose authorize outcome was never recorded: the provider is asked again with the
  payment's idempotency key (which replays its first answer) and the order is settled;
- cancelled orders whose payment is still held or captured: voided or refunded;
- refunds still pending after a while: the provider is asked again (same idempotency key);
- orders whose shopper never paid in the browser (Stripe's Payment Element) are cancelled after
  UNPAID_ORDER_AGE, which returns their stock and coupon use;
- Idempotency-Keys older than the replay window (24 h) are forgotten.

Registered under `checkout.reconcile`; the worker loads this module by name (jobs.registry
TASK_MODULES must list "shop.checkout.tasks").
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from shop.checkout import client_payments, workflows
from shop.checkout import service as checkout_service
from shop.db.session import Database
from shop.integrations.payments.registry import build_gateways
from shop.jobs.registry import JobContext, register_periodic
from shop.orders import money as orders_money
from shop.orders import workflows as orders_workflows
from shop.orders.service import Actor
from shop.orders.workflows import Gateways

log = logging.getLogger(__name__)

RECONCILE_EVERY = timedelta(minutes=1)
PENDING_REFUND_AGE = timedelta(minutes=5)
# Long enough for a shopper who is slow with 3-D Secure or a bank app; short enough that
# abandoned pay pages cannot hold the stock of a popular product for long.
UNPAID_ORDER_AGE = timedelta(hours=1)


@register_periodic("checkout.reconcile", every=RECONCILE_EVERY)
async def reconcile_payments(ctx: JobContext) -> None:
    async with httpx.AsyncClient() as http:
        await reconcile(ctx.database, build_gateways(ctx.settings, http))


async def reconcile(database: Database, gateways: Gateways) -> dict[str, int]:
    """One pass; returns how many checkouts, cancelled orders and refunds it worked on."""
    checkouts = await workflows.resume_stale_checkouts(database, gateways)
    async with database.read() as session:
        cancelled = await orders_money.cancelled_orders_holding_money(session)
        refunds = await orders_money.stale_pending_refunds(session, older_than=PENDING_REFUND_AGE)
    for order_id in cancelled:
        await orders_workflows.return_money(database, gateways, order_id, actor=Actor.system())
    for refund_id in refunds:
        await orders_workflows.retry_refund(database, gateways, refund_id)
    unpaid = await client_payments.expire_unpaid_orders(
        database, gateways, older_than=UNPAID_ORDER_AGE
    )
    async with database.transaction() as session:
        await checkout_service.purge_claims(session)
    if checkouts or cancelled or refunds or unpaid:
        log.info(
            "reconciled %d checkouts, %d cancelled orders, %d pending refunds, %d unpaid orders",
            checkouts,
            len(cancelled),
            len(refunds),
            unpaid,
        )
    return {
        "checkouts": checkouts,
        "cancelled_orders": len(cancelled),
        "refunds": len(refunds),
        "unpaid_orders": unpaid,
    }
