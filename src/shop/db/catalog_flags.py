"""The session flag that says a transaction changed what the public catalog shows.

shop.catalog.changes sets it for writes to catalog tables and reads it after commit (to drop
cached catalog reads); it lives down here so that features below the catalog (inventory) can
set it too. Statements run with the execution option SELF_FLAGGED are left out of the
automatic detection: their caller sets the flag only when shoppers can see the change.
"""

from __future__ import annotations

from typing import Any

CATALOG_CHANGED = "catalog_changed"
SELF_FLAGGED = "catalog_change_flagged_by_caller"


def mark_catalog_changed(session: Any) -> None:
    """Flag the session's transaction (a Session or an AsyncSession)."""
    session.info[CATALOG_CHANGED] = True
