"""Shop map: a compact, budgeted model of a live page for people, LLMs and the MCP browser tools.

`snapshot(page, budget_chars=..., previous=None)` takes Playwright's AI-mode aria snapshot (roles,
accessible names, refs) and enriches every node with its `data-testid`, tag, form fields, links and
data attributes; `locator_for_ref(page, ref)` turns a ref back into a locator; `diff_maps`
compares two maps.
"""

from testhub.shopmap.diff import MapDiff, diff_maps
from testhub.shopmap.model import Node, PageMap
from testhub.shopmap.snapshot import durable_locator, locator_for_ref, snapshot

__all__ = [
    "MapDiff",
    "Node",
    "PageMap",
    "diff_maps",
    "durable_locator",
    "locator_for_ref",
    "snapshot",
]
