"""Notices when a transaction changes what the public catalog shows, so that caches of catalog
reads can be dropped once it commits (see shop.catalog.read_cache).

Every ORM flush and every INSERT/UPDATE/DELETE statement run through a session is inspected; a
write to one of CATALOG_TABLES sets a flag in `session.info`, which `Database.transaction()`
hands to its after-commit hooks. Raw SQL (`text()`) cannot be inspected: code that rewrites
catalog tables that way calls `mark_changed` itself."""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from shop.db.catalog_flags import CATALOG_CHANGED, SELF_FLAGGED, mark_catalog_changed

# What the public catalog endpoints read: products and everything shown with them, the search
# index and the stock that decides `in_stock`.
CATALOG_TABLES = frozenset(
    {
        "categories",
        "brands",
        "products",
        "product_images",
        "product_attributes",
        "variants",
        "product_search",
    }
)
CHANGED = CATALOG_CHANGED


def mark_changed(session: Session | Any) -> None:
    """Flag the session's transaction as changing the catalog (accepts an AsyncSession too)."""
    mark_catalog_changed(session)


def was_changed(info: dict[str, Any]) -> bool:
    return bool(info.get(CHANGED))


# Product pages show each approved review's author by first name (users.first_name): a new
# name, or an account deletion blanking it, must not stay on a cached page.
SHOWN_USER_COLUMNS = ("first_name",)


def _shown_user_change(instance: object) -> bool:
    if getattr(instance, "__tablename__", None) != "users":
        return False
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in SHOWN_USER_COLUMNS)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # new/dirty/deleted still hold the pre-flush state (and attribute history) here.
    for instance in chain(session.new, session.dirty, session.deleted):
        if getattr(instance, "__tablename__", None) in CATALOG_TABLES:
            mark_catalog_changed(session)
            return
    for instance in chain(session.dirty, session.deleted):
        if _shown_user_change(instance) or (
            instance in session.deleted and getattr(instance, "__tablename__", None) == "users"
        ):
            mark_catalog_changed(session)
            return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get(SELF_FLAGGED):
        return  # e.g. a stock move: inventory flags it when shoppers can see it
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in CATALOG_TABLES:
        mark_catalog_changed(state.session)
