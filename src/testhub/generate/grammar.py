# ruff: noqa: E501  (one rule per line reads better than a wrapped regex)
"""The intent grammar: acceptance-criteria sentences the offline engine understands.

Each rule is a regular expression over one sentence (a leading Given/When/Then/And is ignored)
and the intent it means; named groups become the step's arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

INTENTS: dict[str, str] = {
    "navigate": "open a page by path",
    "search": "search for a text",
    "open_category": "open a category listing",
    "filter_brand": "filter a listing by brand",
    "sort": "sort a listing (price_asc, price_desc, newest)",
    "open_product": "open a product page",
    "open_result": "open a product from the listing shown",
    "choose_variant": "choose a variant by its option text",
    "add_to_cart": "add the chosen variant to the cart",
    "open_cart": "open the cart",
    "update_quantity": "change the first cart line's quantity",
    "remove_line": "remove the first cart line",
    "apply_coupon": "apply the story's coupon in the cart",
    "sign_in": "sign in as the demo shopper or the story's account",
    "sign_in_staff": "sign in as staff (admin)",
    "register": "register a new customer account",
    "checkout": "check out (guest or signed in) and pay with the card token",
    "add_to_wishlist": "save the product to the wishlist",
    "write_review": "write a review of the product",
    "open_admin": "open a back-office section",
    "place_order": "arrange an order of the product, placed and paid through the API",
    "ship_order": "record a shipment of an order (placed through the API unless one was)",
    "adjust_stock": "adjust the stock of the product's variant in the back office",
    "assert_results": "the listing shows products",
    "assert_sorted": "listing prices are in order",
    "assert_product_title": "the product page shows the product",
    "assert_cart_count": "the cart badge shows a count",
    "assert_cart_line": "the cart has a line with a total that adds up",
    "assert_cart_empty": "the cart is empty",
    "assert_discount": "the coupon's discount is applied and the totals add up",
    "assert_order_confirmed": "the order is confirmed and known to the back office",
    "assert_totals": "the confirmation's totals add up and match the order",
    "assert_stock_decreased": "the variant's stock went down by the quantity",
    "assert_email": "the confirmation email arrived",
    "assert_declined": "the payment was declined and the cart kept",
    "assert_signed_in": "the account link is shown",
    "assert_wishlist": "the wishlist lists the product",
    "assert_review_pending": "the review waits for moderation",
    "assert_order_history": "the order appears in the account's order list",
    "assert_admin_rows": "the back-office list shows rows",
    "assert_order_shipped": "the order is shipped with the tracking number",
    "assert_stock_adjusted": "the stock changed by the adjustment",
    "assert_search_empty": "the search finds nothing",
}


@dataclass(frozen=True, slots=True)
class Rule:
    intent: str
    pattern: re.Pattern[str]
    defaults: dict[str, str] = field(default_factory=dict)


def _rule(intent: str, pattern: str, **defaults: str) -> Rule:
    return Rule(intent, re.compile(rf"^{pattern}\.?$", re.IGNORECASE), defaults)


Q = r"[\"“'](?P<{}>[^\"”']+)[\"”']"  # a quoted argument

RULES: tuple[Rule, ...] = (
    _rule("navigate", r"I (?:open|visit|am on) the home ?page", path="/"),
    _rule("navigate", r"I (?:open|visit) the page " + Q.format("path")),
    _rule("search", r"I search for " + Q.format("query")),
    _rule("search", r"I search for the story'?s? query"),
    _rule("open_category", r"I open the category(?: " + Q.format("category") + ")?"),
    _rule("filter_brand", r"I filter by (?:the )?brand(?: " + Q.format("brand") + ")?"),
    _rule("sort", r"I sort by price,? (?:low to high|ascending)", order="price_asc"),
    _rule("sort", r"I sort by price,? (?:high to low|descending)", order="price_desc"),
    _rule("sort", r"I sort by newest", order="newest"),
    _rule(
        "open_result",
        r"I open the (?:first )?(?:product|result) (?:from|in) the (?:results|list(?:ing)?)",
    ),
    _rule("open_product", r"I open the product(?: page)?(?: " + Q.format("product") + ")?"),
    _rule("choose_variant", r"I choose the variant(?: " + Q.format("variant") + ")?"),
    _rule("add_to_cart", r"I add (?P<quantity>\d+) to the cart"),
    _rule("add_to_cart", r"I add (?:it|the product|the variant) to the cart"),
    _rule("open_cart", r"I open (?:the|my) cart"),
    _rule("update_quantity", r"I change the quantity to (?P<quantity>\d+)"),
    _rule("remove_line", r"I remove the (?:line|product) from the cart"),
    _rule("apply_coupon", r"I apply the coupon(?: " + Q.format("coupon") + ")?"),
    _rule("sign_in_staff", r"I sign in as (?:the )?(?:admin|staff)(?: member)?"),
    _rule("sign_in", r"I (?:sign|log) in(?: as the (?:demo )?shopper| with my account)?"),
    _rule("register", r"I register a new (?:customer )?account"),
    _rule(
        "checkout",
        r"I check ?out as a guest(?: and pay)?(?: with (?:card |the card )?(?P<card>tok_\w+))?",
        mode="guest",
    ),
    _rule(
        "checkout",
        r"I check ?out(?: signed in)?(?: and pay)?(?: with (?:card |the card )?(?P<card>tok_\w+))?",
        mode="account",
    ),
    _rule("add_to_wishlist", r"I (?:add|save) the product to my wishlist"),
    _rule("write_review", r"I write a review(?: with (?P<rating>[1-5]) stars?)?"),
    _rule(
        "open_admin",
        r"I open the back[- ]office (?P<section>products|orders|inventory|customers|coupons|reviews|dashboard|audit)",
    ),
    _rule(
        "place_order",
        r"(?:a customer has placed an order|an order (?:has been|was) placed)(?: for the product)?",
    ),
    _rule("ship_order", r"I ship an order with tracking number " + Q.format("tracking")),
    _rule("adjust_stock", r"I adjust the stock(?: of the product)? by (?P<delta>[+-]?\d+)"),
    _rule(
        "assert_results",
        r"(?:I see )?(?:the )?(?:search )?results? (?:list|show|include)s? products?",
    ),
    _rule("assert_results", r"the listing shows products"),
    _rule("assert_search_empty", r"(?:the search finds|I see) no products"),
    _rule("assert_sorted", r"the prices are sorted (?P<direction>ascending|descending)"),
    _rule("assert_product_title", r"I see the product(?:'s)? (?:page|title)"),
    _rule("assert_cart_count", r"the cart (?:count |badge )?shows (?P<count>\d+)(?: items?)?"),
    _rule("assert_cart_line", r"the cart (?:has|contains) the product"),
    _rule("assert_cart_empty", r"the cart is empty"),
    _rule("assert_discount", r"the discount is applied"),
    _rule("assert_order_confirmed", r"the order is confirmed"),
    _rule("assert_totals", r"the totals add up"),
    _rule(
        "assert_stock_decreased",
        r"the stock (?:of the product )?(?:went|goes) down(?: by the quantity)?",
    ),
    _rule("assert_email", r"a confirmation e-?mail arrives"),
    _rule("assert_declined", r"the payment is declined(?: and the cart is kept)?"),
    _rule("assert_signed_in", r"I am signed in"),
    _rule("assert_wishlist", r"the wishlist (?:lists|contains|shows) the product"),
    _rule("assert_review_pending", r"the review (?:awaits|waits for) moderation"),
    _rule("assert_order_history", r"the order (?:appears|is listed) in my order history"),
    _rule("assert_admin_rows", r"I see the (?P<what>products|orders) list"),
    _rule("assert_order_shipped", r"the order is shipped"),
    _rule("assert_stock_adjusted", r"the stock changed by the adjustment"),
)

_LEAD = re.compile(r"^(?:given|when|then|and|but)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Match:
    intent: str
    args: dict[str, str]


def parse_sentence(sentence: str) -> Match | None:
    text = _LEAD.sub("", " ".join(sentence.split())).rstrip(".")
    for rule in RULES:
        found = rule.pattern.match(text)
        if found is not None:
            args = dict(rule.defaults)
            args.update({k: v for k, v in found.groupdict().items() if v is not None})
            return Match(rule.intent, args)
    return None
