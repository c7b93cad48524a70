"""Review errors with stable codes (the `code` member of the problem document)."""

from __future__ import annotations

from shop.errors import Conflict, NotFound


def review_exists(product_id: int) -> Conflict:
    return Conflict(
        f"you have already reviewed product {product_id}; each customer reviews a product once",
        code="review_exists",
    )


def review_not_found(review_id: int) -> NotFound:
    return NotFound(f"there is no review {review_id}", code="review_not_found")


def review_changed_concurrently(review_id: int) -> Conflict:
    return Conflict(
        f"review {review_id} is being moderated by someone else right now; reload and retry",
        code="review_changed_concurrently",
    )
