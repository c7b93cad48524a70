"""Pricing errors, each with a stable code (see docs/pricing.md for when each is raised)."""

from __future__ import annotations

from typing import Any

from shop.errors import Conflict, InvalidInput, ShopError


class CouponRejected(ShopError):
    """A coupon that cannot be used now.

    422 when the coupon itself does not apply (unknown, inactive, outside its dates, minimum spend
    not met); 409 when it ran out of uses, a state other buyers change concurrently (so that a
    checkout race loses with the same 409 as an out-of-stock one).
    """

    status = 422
    title = "Coupon rejected"
    CONFLICT_CODES = frozenset({"usage_limit_reached", "customer_usage_limit_reached"})

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(
            message, code=code, status=409 if code in self.CONFLICT_CODES else 422, **extra
        )


class ShippingMethodUnavailable(InvalidInput):
    code = "shipping_method_unavailable"
    title = "Shipping method unavailable"


class CouponCodeTaken(Conflict):
    code = "coupon_code_taken"


class ShippingMethodCodeTaken(Conflict):
    code = "shipping_method_code_taken"


class TaxRateExists(Conflict):
    code = "tax_rate_exists"


class DefaultTaxRateRequired(Conflict):
    code = "default_tax_rate_required"


def invalid_fields(errors: list[tuple[str, str]]) -> InvalidInput:
    """422 `validation_error` naming each field, the same shape as a schema check's answer."""
    summary = "; ".join(f"{field}: {message}" for field, message in errors[:3])
    return InvalidInput(
        summary,
        code="validation_error",
        errors=[{"field": field, "message": message} for field, message in errors],
    )
