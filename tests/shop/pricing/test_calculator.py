"""The totals calculator: the worked examples of docs/pricing.md, then properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.models.pricing import CouponKind
from shop.pricing.calculator import (
    CouponTerms,
    LineTotals,
    PricedLine,
    ShippingTerms,
    TaxTerms,
    Totals,
    calculate,
    spread,
)

STANDARD = ShippingTerms(price=999, free_over=5000)
EXPRESS = ShippingTerms(price=1999)
DEFAULT_TAX = TaxTerms(basis_points=800)


def percent(value: int) -> CouponTerms:
    return CouponTerms(kind=CouponKind.PERCENTAGE, value=value)


def fixed(value: int) -> CouponTerms:
    return CouponTerms(kind=CouponKind.FIXED, value=value)


FREE_SHIPPING = CouponTerms(kind=CouponKind.FREE_SHIPPING)


class TestCalculate:
    def test_no_coupon(self) -> None:
        totals = calculate(
            [PricedLine(1, 1999, 1), PricedLine(2, 500, 2)], shipping=STANDARD, tax=DEFAULT_TAX
        )
        assert totals == Totals(
            lines=(
                LineTotals(variant_id=1, amount=1999, discount=0, tax=160, total=2159),
                LineTotals(variant_id=2, amount=1000, discount=0, tax=80, total=1080),
            ),
            subtotal=2999,
            discount=0,
            shipping=999,
            shipping_tax=0,
            tax=240,
            total=4238,
        )

    def test_percentage_spread_with_remainder_on_largest_line(self) -> None:
        # 15% of 7196 = 1079.4 -> 1079. Shares 299.74 -> 300, 449.68 -> 450, 329.58 -> 330
        # sum to 1080: the -1 goes to the largest line (2999).
        lines = [PricedLine(1, 1999, 1), PricedLine(2, 2999, 1), PricedLine(3, 1099, 2)]
        totals = calculate(lines, coupon=percent(15), shipping=STANDARD, tax=DEFAULT_TAX)
        assert totals == Totals(
            lines=(
                LineTotals(variant_id=1, amount=1999, discount=300, tax=136, total=1835),
                LineTotals(variant_id=2, amount=2999, discount=449, tax=204, total=2754),
                LineTotals(variant_id=3, amount=2198, discount=330, tax=149, total=2017),
            ),
            subtotal=7196,
            discount=1079,
            shipping=0,  # 6117 after the discount reaches the 5000 threshold
            shipping_tax=0,
            tax=489,
            total=6606,
        )

    def test_percentage_remainder_tie_goes_to_first_line(self) -> None:
        # 10% of 315 = 31.5 -> 32 (half-even); 10.67 -> 11 each = 33; the -1 goes to line 1.
        lines = [PricedLine(1, 105, 1), PricedLine(2, 105, 1), PricedLine(3, 105, 1)]
        totals = calculate(lines, coupon=percent(10), shipping=EXPRESS)
        assert [line.discount for line in totals.lines] == [10, 11, 11]
        assert totals.discount == 32

    def test_fixed_coupon_larger_than_subtotal(self) -> None:
        totals = calculate(
            [PricedLine(1, 1500, 2)], coupon=fixed(5000), shipping=STANDARD, tax=DEFAULT_TAX
        )
        assert totals == Totals(
            lines=(LineTotals(variant_id=1, amount=3000, discount=3000, tax=0, total=0),),
            subtotal=3000,
            discount=3000,
            shipping=999,  # the discounted subtotal (0) is below the free threshold
            shipping_tax=0,
            tax=0,
            total=999,
        )

    def test_fixed_coupon_spread_in_proportion(self) -> None:
        lines = [PricedLine(1, 3000, 1), PricedLine(2, 1000, 1)]
        totals = calculate(lines, coupon=fixed(1000), shipping=EXPRESS)
        assert [line.discount for line in totals.lines] == [750, 250]
        assert (totals.discount, totals.total) == (1000, 3000 + 1999)

    def test_free_shipping_at_exactly_the_threshold_after_discount(self) -> None:
        # 10% of 5556 = 555.6 -> 556; 5556 - 556 = 5000: exactly $50.00, so free.
        totals = calculate([PricedLine(1, 2778, 2)], coupon=percent(10), shipping=STANDARD)
        assert (totals.subtotal, totals.discount, totals.shipping) == (5556, 556, 0)
        assert totals.total == 5000

    def test_shipping_charged_one_cent_below_the_threshold(self) -> None:
        # 10% of 5555 = 555.5 -> 556 (half-even); 4999 is below 5000.
        totals = calculate([PricedLine(1, 5555, 1)], coupon=percent(10), shipping=STANDARD)
        assert (totals.discount, totals.shipping, totals.total) == (556, 999, 4999 + 999)

    def test_threshold_uses_the_discounted_subtotal(self) -> None:
        totals = calculate([PricedLine(1, 6000, 1)], coupon=fixed(1001), shipping=STANDARD)
        assert (totals.discount, totals.shipping) == (1001, 999)

    def test_free_shipping_coupon(self) -> None:
        totals = calculate(
            [PricedLine(1, 1000, 1)], coupon=FREE_SHIPPING, shipping=EXPRESS, tax=DEFAULT_TAX
        )
        assert (totals.discount, totals.shipping, totals.tax, totals.total) == (0, 0, 80, 1080)
        assert totals.lines[0].discount == 0

    def test_tax_rounds_half_cents_to_even(self) -> None:
        # 1% of 1250 = 12.5 -> 12; 1% of 1350 = 13.5 -> 14.
        lines = [PricedLine(1, 1250, 1), PricedLine(2, 1350, 1)]
        totals = calculate(lines, shipping=EXPRESS, tax=TaxTerms(basis_points=100))
        assert [line.tax for line in totals.lines] == [12, 14]
        assert totals.tax == 26

    def test_tax_per_line_on_the_discounted_amount(self) -> None:
        # 50% of 2002 = 1001; shares 500.5 -> 500 each, the +1 on the first of the tie: 501, 500.
        # Taxed 8% on 500 and 501: 40.0 -> 40, 40.08 -> 40.
        lines = [PricedLine(1, 1001, 1), PricedLine(2, 1001, 1)]
        totals = calculate(lines, coupon=percent(50), shipping=EXPRESS, tax=DEFAULT_TAX)
        assert [(line.discount, line.tax) for line in totals.lines] == [(501, 40), (500, 40)]

    def test_shipping_taxed_when_the_rate_says_so(self) -> None:
        tax = TaxTerms(basis_points=800, applies_to_shipping=True)
        totals = calculate([PricedLine(1, 1000, 1)], shipping=EXPRESS, tax=tax)
        # 8% of 1999 = 159.92 -> 160, on top of the line's 80.
        assert (totals.shipping_tax, totals.tax, totals.total) == (160, 240, 1000 + 1999 + 240)

    def test_shipping_not_taxed_by_default(self) -> None:
        totals = calculate([PricedLine(1, 1000, 1)], shipping=EXPRESS, tax=DEFAULT_TAX)
        assert (totals.shipping_tax, totals.tax) == (0, 80)

    def test_hundred_percent_off(self) -> None:
        lines = [PricedLine(1, 333, 1), PricedLine(2, 667, 3)]
        totals = calculate(lines, coupon=percent(100), shipping=STANDARD, tax=DEFAULT_TAX)
        assert [line.discount for line in totals.lines] == [333, 2001]
        assert (totals.discount, totals.tax, totals.total) == (2334, 0, 999)

    def test_empty(self) -> None:
        totals = calculate([], coupon=percent(20), shipping=EXPRESS, tax=DEFAULT_TAX)
        assert totals == Totals(
            lines=(), subtotal=0, discount=0, shipping=1999, shipping_tax=0, tax=0, total=1999
        )


class TestSpread:
    def test_remainder_larger_than_the_largest_line_moves_on(self) -> None:
        # Every share 0.4 -> 0; 2 left over, and a line of 1 can take only 1.
        assert spread(2, [1, 1, 1, 1, 1]) == [1, 1, 0, 0, 0]

    def test_negative_remainder_never_below_zero(self) -> None:
        # 1.25 -> 1 and six 0.625 -> 1 make 7; 2 too many: the largest gives 1, then the next.
        assert spread(5, [2, 1, 1, 1, 1, 1, 1]) == [0, 0, 1, 1, 1, 1, 1]

    def test_nothing_to_spread(self) -> None:
        assert spread(0, [5, 7]) == [0, 0]

    def test_more_than_the_amounts_is_refused(self) -> None:
        with pytest.raises(ValueError, match="between 0 and the sum"):
            spread(13, [5, 7])


class TestTerms:
    @pytest.mark.parametrize("value", [0, 101])
    def test_percentage_out_of_range(self, value: int) -> None:
        with pytest.raises(ValueError, match="1 to 100"):
            percent(value)

    def test_negative_price(self) -> None:
        with pytest.raises(ValueError, match="unit_price"):
            PricedLine(1, -1, 1)

    def test_zero_quantity(self) -> None:
        with pytest.raises(ValueError, match="quantity"):
            PricedLine(1, 100, 0)

    def test_rate_above_100_percent(self) -> None:
        with pytest.raises(ValueError, match="basis points"):
            TaxTerms(basis_points=10_001)


# --- properties -----------------------------------------------------------------------------

lines_strategy = st.lists(
    st.builds(
        PricedLine,
        variant_id=st.integers(1, 1000),
        unit_price=st.integers(0, 100_000),
        quantity=st.integers(1, 99),
    ),
    max_size=8,
)
coupon_strategy = st.one_of(
    st.none(),
    st.builds(percent, st.integers(1, 100)),
    st.builds(fixed, st.integers(1, 2_000_000)),
    st.just(FREE_SHIPPING),
)
shipping_strategy = st.builds(
    ShippingTerms,
    price=st.integers(0, 10_000),
    free_over=st.one_of(st.none(), st.integers(0, 100_000)),
)
tax_strategy = st.builds(
    TaxTerms, basis_points=st.integers(0, 10_000), applies_to_shipping=st.booleans()
)


class TestCalculateProperties:
    @given(lines_strategy, coupon_strategy, shipping_strategy, tax_strategy)
    def test_invariants(
        self,
        lines: list[PricedLine],
        coupon: CouponTerms | None,
        shipping: ShippingTerms,
        tax: TaxTerms,
    ) -> None:
        totals = calculate(lines, coupon=coupon, shipping=shipping, tax=tax)
        assert totals.total == totals.subtotal - totals.discount + totals.shipping + totals.tax
        assert totals.total >= 0
        assert 0 <= totals.discount <= totals.subtotal
        assert totals.subtotal == sum(line.unit_price * line.quantity for line in lines)
        assert sum(line.discount for line in totals.lines) == totals.discount
        assert sum(line.tax for line in totals.lines) + totals.shipping_tax == totals.tax
        assert sum(line.total for line in totals.lines) + totals.shipping + totals.shipping_tax == (
            totals.total
        )
        for line in totals.lines:
            assert 0 <= line.discount <= line.amount
            assert line.total == line.amount - line.discount + line.tax
        assert totals.shipping in (0, shipping.price)
        if not tax.applies_to_shipping:
            assert totals.shipping_tax == 0

    @given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=10))
    def test_spread_sums_and_stays_within_each_amount(self, total: int, amounts: list[int]) -> None:
        total = min(total, sum(amounts))
        shares = spread(total, amounts)
        assert sum(shares) == total
        assert all(0 <= share <= amount for share, amount in zip(shares, amounts, strict=True))
