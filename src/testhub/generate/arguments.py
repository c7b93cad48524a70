"""The arguments an intent takes, and what their values may look like.

A plan from the grammar gets its arguments from the grammar's own patterns; a plan proposed by
an LLM is checked here before the code writer turns values into Python source and URLs. Every
value has a narrow shape (a slug, a number, one of a few words), so no proposal can smuggle
quotes or code into a generated test, or send a test to another site.
"""

from __future__ import annotations

import re

_SLUG = r"[a-z0-9][a-z0-9-]{0,99}"
_TEXT = r"[^\"'\\\n\r{}]{1,100}"  # free text that is always written as a Python literal

ARGUMENT_PATTERNS: dict[str, str] = {
    "path": r"/(?!/)[A-Za-z0-9/_.~%?=&+-]{0,199}",
    "query": _TEXT,
    "category": _SLUG,
    "brand": _SLUG,
    "product": _SLUG,
    "variant": _TEXT,
    "order": r"price_asc|price_desc|newest",
    "quantity": r"[1-9]\d?",
    "count": r"\d{1,3}",
    "coupon": r"[A-Z0-9_-]{3,32}",
    "mode": r"guest|account",
    "card": r"tok_[A-Za-z]{1,40}",
    "rating": r"[1-5]",
    "section": r"products|orders|inventory|customers|coupons|reviews|dashboard|audit",
    "tracking": r"[A-Za-z0-9-]{1,64}",
    "delta": r"[+-]?[1-9]\d{0,3}",
    "direction": r"ascending|descending",
    "what": r"products|orders",
}

INTENT_ARGUMENTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # intent: (required, optional)
    "navigate": (frozenset(), frozenset({"path"})),
    "search": (frozenset(), frozenset({"query"})),
    "open_category": (frozenset(), frozenset({"category"})),
    "filter_brand": (frozenset(), frozenset({"brand"})),
    "sort": (frozenset({"order"}), frozenset()),
    "open_product": (frozenset(), frozenset({"product"})),
    "choose_variant": (frozenset(), frozenset({"variant"})),
    "add_to_cart": (frozenset(), frozenset({"quantity"})),
    "update_quantity": (frozenset({"quantity"}), frozenset()),
    "apply_coupon": (frozenset(), frozenset({"coupon"})),
    "checkout": (frozenset(), frozenset({"mode", "card"})),
    "write_review": (frozenset(), frozenset({"rating"})),
    "open_admin": (frozenset({"section"}), frozenset()),
    "ship_order": (frozenset({"tracking"}), frozenset({"product"})),
    "adjust_stock": (frozenset({"delta"}), frozenset({"product"})),
    "assert_sorted": (frozenset({"direction"}), frozenset()),
    "assert_cart_count": (frozenset({"count"}), frozenset()),
    "assert_admin_rows": (frozenset({"what"}), frozenset()),
    "assert_product_title": (frozenset(), frozenset({"product"})),
}
_COMPILED = {name: re.compile(pattern) for name, pattern in ARGUMENT_PATTERNS.items()}


def argument_problem(intent: str, args: dict[str, str]) -> str | None:
    """What is wrong with a step's arguments, or None."""
    required, optional = INTENT_ARGUMENTS.get(intent, (frozenset(), frozenset()))
    missing = sorted(required - set(args))
    if missing:
        return f"{intent} needs {', '.join(missing)}"
    unknown = sorted(set(args) - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional)) or "no arguments"
        return f"{intent} takes {allowed}, not {', '.join(unknown)}"
    for name, value in args.items():
        if not _COMPILED[name].fullmatch(value):
            return f"{intent}: {name}={value!r} does not match {ARGUMENT_PATTERNS[name]}"
    return None
