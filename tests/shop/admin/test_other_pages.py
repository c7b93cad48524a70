"""Dashboard, inventory, coupons, reviews, staff, customers and the audit log pages."""

from __future__ import annotations

from typing import Any

from shop.db.session import Database
from shop.models.accounts import Role
from shop.models.orders import OrderStatus
from shop.reviews import service as reviews_service
from tests.builders import catalog as b
from tests.builders.accounts import create_user
from tests.builders.orders import create_variant, place_order
from tests.shop.admin.conftest import audit_entries, flash_of
from tests.shop.storefront.html import parse


class TestDashboardAndInventory:
    async def test_numbers_chart_and_stock_adjustment(
        self, browsers: Any, database: Database
    ) -> None:
        async with database.transaction() as session:
            variant = await create_variant(session, price=3000, stock=4)
            await place_order(
                session,
                lines=[(variant, 1)],
                status=OrderStatus.PAID,
                shipping=0,
                tax_basis_points=0,
            )
            variant_id, sku = variant.id, variant.sku
        manager = await browsers(Role.MANAGER)
        board = await manager.page("/admin")
        assert board.find("dashboard-orders-today").get("data-count") == "1"
        assert board.find("dashboard-revenue-today").get("data-amount") == "3000"
        assert board.find("dashboard-low-stock").get("data-count") == "1"  # 3 left, threshold 5
        assert len(board.find("sales-chart").children) > 30  # title, axis, 30 bars, labels
        assert board.find("sales-total").get("data-amount") == "3000"

        url = f"/admin/inventory/{variant_id}"
        found = await manager.page(f"/admin/inventory?q={sku.lower()}")
        assert [r.get("data-sku") for r in found.find_all("stock-row")] == [sku]
        bad = await manager.post(url, {"delta": "0", "reason": ""}, form_page=url)
        assert bad.status_code == 422
        negative = await manager.post(url, {"delta": "-50", "reason": "count"}, form_page=url)
        assert negative.status_code == 422
        added = await manager.post(url, {"delta": "7", "reason": "delivery"}, form_page=url)
        assert added.status_code == 303
        page = await manager.page(url)
        assert page.find("on-hand").get("data-count") == "10"
        assert [(m.get("data-kind"), m.get("data-delta")) for m in page.find_all("movement-row")][
            0
        ] == ("adjustment", "7")
        entry = (await audit_entries(database, "stock.adjust"))[0]
        assert entry.before == {"on_hand": 3}
        assert entry.after == {"on_hand": 10, "delta": 7, "reason": "delivery"}


class TestCouponsAndReviews:
    async def test_coupon_lifecycle_and_moderation(self, browsers: Any, database: Database) -> None:
        manager = await browsers(Role.MANAGER)
        page = "/admin/coupons"
        bad = await manager.post(
            page, {"code": "X", "kind": "percentage", "percent_off": "150"}, form_page=page
        )
        assert bad.status_code == 422
        made = await manager.post(
            page, {"code": "save10", "kind": "percentage", "percent_off": "10"}, form_page=page
        )
        assert made.status_code == 303
        dup = await manager.post(
            page, {"code": "SAVE10", "kind": "fixed", "amount_off": "5"}, form_page=page
        )
        assert dup.status_code == 422
        rows = (await manager.page(page)).find_all("coupon-row")
        assert [r.get("data-code") for r in rows] == ["SAVE10"]

        async with database.transaction() as session:
            product = await b.create_product(session, name="Stove")
            author = await create_user(session)
            review = await reviews_service.create_review(
                session,
                user_id=author.id,
                product_id=product.id,
                rating=4,
                title="Good",
                body="Hot.",
            )
            review_id = review.review.id
        queue = await manager.page("/admin/reviews")
        assert [r.get("data-review-id") for r in queue.find_all("review-item")] == [str(review_id)]
        approved = await manager.post(
            f"/admin/reviews/{review_id}", {"status": "approved"}, form_page="/admin/reviews"
        )
        assert approved.status_code == 303
        assert (await manager.page("/admin/reviews")).find_all("review-item") == []
        assert (
            len((await manager.page("/admin/reviews?status=approved")).find_all("review-item")) == 1
        )
        actions = [e.action for e in await audit_entries(database)]
        assert actions == ["coupon.create", "review.moderate"]


class TestStaffCustomersAudit:
    async def test_admin_pages(self, browsers: Any, database: Database) -> None:
        admin = await browsers(Role.ADMIN)
        page = "/admin/staff"
        created = await admin.post(
            page, {"email": "new.agent@example.com", "role": "support"}, form_page=page
        )
        assert created.status_code == 201
        assert "can now sign in as support with the password" in flash_of(parse(created.text))
        again = await admin.post(
            page, {"email": "new.agent@example.com", "role": "support"}, form_page=page
        )
        assert again.status_code == 409
        listed = (await admin.page(page)).find_all("staff-row")
        assert "new.agent@example.com" in [r.get("data-email") for r in listed]
        entry = (await audit_entries(database, "staff.create"))[0]
        staff_id = entry.entity_id
        promoted = await admin.post(
            f"{page}/{staff_id}", {"role": "manager", "is_active": "true"}, form_page=page
        )
        assert promoted.status_code == 303
        assert admin.user is not None
        demote_self = await admin.post(
            f"{page}/{admin.user.id}", {"role": "support", "is_active": "true"}, form_page=page
        )
        assert demote_self.status_code == 303
        assert "cannot change your own role" in flash_of(await admin.page(page))

        async with database.transaction() as session:
            shopper = await create_user(session, email="ada.shopper@example.com", first_name="Ada")
        customers = await admin.page("/admin/customers?q=ada")
        assert [r.get("data-email") for r in customers.find_all("customer-row")] == [
            "ada.shopper@example.com"
        ]
        detail = await admin.page(f"/admin/customers/{shopper.id}")
        assert "ada.shopper@example.com" in detail.text
        assert (await admin.get("/admin/customers/999999")).status_code == 404

        log = await admin.page("/admin/audit")
        actions = [r.get("data-action") for r in log.find_all("audit-row")]
        assert actions == ["staff.update", "staff.create"]
        only = await admin.page("/admin/audit?action=staff.create")
        assert [r.get("data-action") for r in only.find_all("audit-row")] == ["staff.create"]
        nobody = await admin.page("/admin/audit?actor=someone.else@example.com")
        assert nobody.find_all("audit-row") == []
        bad_dates = await admin.page("/admin/audit?from=2026-13-40&to=yesterday")
        assert "YYYY-MM-DD" in flash_of(bad_dates)
        reversed_window = await admin.page("/admin/audit?from=2030-01-02&to=2030-01-01")
        assert "before" in flash_of(reversed_window)
